"""Read production configuration from AWS Secrets Manager and SSM at cold start.

Only `travelguru.settings.production` imports this, and only calls AWS when the Lambda's
environment names a secret or a parameter path, so zappa_settings.json carries names,
never values. It runs once per cold start (a few tens of ms through the VPC endpoints);
nothing is written to disk.

- `DJANGO_SECRETS_ID`: a Secrets Manager secret whose JSON object maps environment names
  to values (`DJANGO_SECRET_KEY`, `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`, ...).
- `DJANGO_SSM_PATH`: an SSM parameter path (e.g. `/travelguru/prod/`); each parameter's
  last path segment is the environment name (SecureString values are decrypted).
- `DATABASE_SECRET_ID`: the RDS Proxy's secret (`username`, `password`, `dbname`, `port`);
  the host is `DATABASE_HOST` (the proxy endpoint, not the cluster's).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

ClientFactory = Callable[[str], Any]


def _default_client(service: str) -> Any:
    import boto3  # only on a production cold start

    return boto3.client(service)


def secret_json(client: Any, secret_id: str) -> dict[str, str]:
    """The JSON object stored in one Secrets Manager secret."""
    value = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    if not isinstance(value, dict):
        raise ValueError(f"secret {secret_id} must hold a JSON object")
    return {str(key): str(val) for key, val in value.items()}


def ssm_parameters(client: Any, path: str) -> dict[str, str]:
    """Every parameter under `path` (recursively), keyed by its last path segment."""
    found: dict[str, str] = {}
    kwargs: dict[str, Any] = {"Path": path, "Recursive": True, "WithDecryption": True}
    while True:
        page = client.get_parameters_by_path(**kwargs)
        for parameter in page["Parameters"]:
            found[parameter["Name"].rsplit("/", 1)[-1]] = parameter["Value"]
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]


def load_into_environment(
    environ: MutableMapping[str, str], client_factory: ClientFactory = _default_client
) -> list[str]:
    """Copy SSM parameters, then the app secret, into `environ`; return the names set.

    The Lambda's own environment wins over SSM (an operator can override one value without
    touching the parameter store); the secret wins over both, because a secret must never be
    overridable by plain configuration.
    """
    loaded: dict[str, str] = {}
    if path := environ.get("DJANGO_SSM_PATH"):
        for name, value in ssm_parameters(client_factory("ssm"), path).items():
            if name not in environ:
                loaded[name] = value
    if secret_id := environ.get("DJANGO_SECRETS_ID"):
        loaded.update(secret_json(client_factory("secretsmanager"), secret_id))
    environ.update(loaded)
    return sorted(loaded)


def database_from_proxy_secret(
    environ: Mapping[str, str], client_factory: ClientFactory = _default_client
) -> str | None:
    """A mysql:// URL for the RDS Proxy endpoint with the proxy secret's credentials."""
    secret_id = environ.get("DATABASE_SECRET_ID")
    if not secret_id:
        return None
    from urllib.parse import quote

    secret = secret_json(client_factory("secretsmanager"), secret_id)
    host = environ["DATABASE_HOST"]
    port = secret.get("port", "3306")
    name = environ.get("DATABASE_NAME") or secret["dbname"]
    user, password = quote(secret["username"], safe=""), quote(secret["password"], safe="")
    return f"mysql://{user}:{password}@{host}:{port}/{name}"
