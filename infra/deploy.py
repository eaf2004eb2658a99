"""One deploy command: `python -m infra.deploy deploy --stage prod` (`make deploy STAGE=prod`).

Every stack of infra/ and Zappa's function, in the one order that works: the role exists
before the function, the function before the API that invokes it, the secret's values
before the API and CloudFront read them, the schema before anything serves. A second run
is a release (stacks updated or unchanged, `zappa update --zip`, migrations, static files,
the front-end, a search sync, a health check through the public URL).

Each step has a name; the first failure stops the run, names the step and says how to
resume from it (`--from`). Steps read what they need from the stacks' outputs, not from
earlier steps, so a resumed run needs nothing from the run that failed.

Everything AWS goes through boto3 and Zappa's own CLI with their default endpoint
resolution (AWS_ENDPOINT_URL and the per-service variables included), so the rehearsal
runs this file unchanged against a local twin.
"""

# subprocess (nosec B404, B603): only Zappa's own CLI, a fixed executable, never a shell.
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import subprocess  # nosec B404
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
ZAPPA_SETTINGS = ROOT / "zappa_settings.json"
DEPLOY_SETTINGS = ROOT / "var" / "deploy" / "zappa_settings.json"
ZAPPA = ROOT / "var" / ".package-venv" / "bin" / "zappa"
FRONTEND_DIST = ROOT / "frontend" / "dist"
INDEX_FIELDS = ROOT / "infra" / "cloudsearch" / "index-fields.json"

STRIPE_KEYS = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY")
# The origin secret's minimum length is production settings' (they refuse a shorter one).
ORIGIN_SECRET_MIN = 32
# AWS refuses a reservation that leaves fewer unreserved executions than this.
UNRESERVED_MINIMUM = 100
# CloudFront and Aurora take tens of minutes on a first create; polls every 10 s.
STACK_WAIT = {"Delay": 10, "MaxAttempts": 540}
# Templates whose stacks create named IAM roles or policies.
NAMED_IAM = {"storage", "database", "app", "search"}
SEARCH_BACKENDS = ("local", "cloudsearch")
PLACEHOLDER = re.compile(r"^<([a-z][a-z-]*)-(dev|prod):([A-Za-z0-9]+)>$")


class DeployError(Exception):
    """A step's failure, worded for the operator (what is wrong and what to do)."""


# ---- configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class StageConfig:
    """infra/stages/<stage>.json: what the stacks need that is the operator's to choose."""

    stage: str
    region: str
    edge_region: str
    site_domain: str
    api_domain: str
    api_certificate_arn: str
    site_certificate_arn: str
    alarm_email: str
    search: str = "local"
    health_url: str = ""
    zappa_overrides: dict[str, Any] = field(default_factory=dict)
    # Extra parameters per stack (e.g. storage's QuickSightRoleName): an update passes every
    # parameter, so one set by hand once would otherwise fall back to its default.
    stack_parameters: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def public_health_url(self) -> str:
        return self.health_url or f"https://{self.site_domain}/healthz"


REQUIRED_KEYS = (
    "region",
    "site_domain",
    "api_domain",
    "api_certificate_arn",
    "site_certificate_arn",
    "alarm_email",
)


def load_config(path: Path, *, stage: str, search: str | None = None) -> StageConfig:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise DeployError(f"No stage configuration at {path}") from exc
    except json.JSONDecodeError as exc:
        raise DeployError(f"{path} is not valid JSON: {exc}") from exc
    missing = [key for key in REQUIRED_KEYS if not data.get(key)]
    if missing:
        raise DeployError(f"{path} lacks {', '.join(missing)}")
    chosen = search or data.get("search") or "local"
    if chosen not in SEARCH_BACKENDS:
        raise DeployError(f"search must be one of {', '.join(SEARCH_BACKENDS)}, not {chosen!r}")
    return StageConfig(
        stage=stage,
        region=data["region"],
        edge_region=data.get("edge_region", "us-east-1"),
        site_domain=data["site_domain"],
        api_domain=data["api_domain"],
        api_certificate_arn=data["api_certificate_arn"],
        site_certificate_arn=data["site_certificate_arn"],
        alarm_email=data["alarm_email"],
        search=chosen,
        health_url=data.get("health_url", ""),
        zappa_overrides=dict(data.get("zappa_overrides") or {}),
        stack_parameters={k: dict(v) for k, v in (data.get("stack_parameters") or {}).items()},
    )


# ---- Zappa's settings ----------------------------------------------------------------


def zappa_stage_settings(
    settings: dict[str, Any], *, stage: str, overrides: dict[str, Any], region: str
) -> dict[str, Any]:
    """The stage's settings as Zappa would resolve them (`extends` merged, shallowly as
    Zappa does), the region and the operator's overrides applied; null removes a key."""
    if stage not in settings:
        raise DeployError(f"zappa_settings.json has no stage {stage!r}")
    chain: list[dict[str, Any]] = []
    name: str | None = stage
    while name:
        if name not in settings or any(c is settings[name] for c in chain):
            raise DeployError(f"zappa_settings.json: stage {name!r} is missing or extends itself")
        chain.append(settings[name])
        name = settings[name].get("extends")
    flat: dict[str, Any] = {}
    for layer in reversed(chain):
        flat.update(layer)
    flat.pop("extends", None)
    flat["aws_region"] = region
    for key, value in overrides.items():
        if value is None:
            flat.pop(key, None)
        else:
            flat[key] = value
    return flat


def resolve_placeholders(
    value: Any, *, stage: str, outputs_of: Callable[[str], dict[str, str]]
) -> Any:
    """Replace every `<network-<stage>:Output>` string with that stack's output."""
    if isinstance(value, dict):
        return {
            k: resolve_placeholders(v, stage=stage, outputs_of=outputs_of) for k, v in value.items()
        }
    if isinstance(value, list):
        return [resolve_placeholders(v, stage=stage, outputs_of=outputs_of) for v in value]
    if isinstance(value, str) and (match := PLACEHOLDER.match(value)):
        stack, placeholder_stage, output = match.groups()
        if placeholder_stage != stage:
            raise DeployError(f"zappa_settings.json stage {stage} names {value}: another stage")
        outputs = outputs_of(stack)
        if output not in outputs:
            raise DeployError(
                f"{value}: stack travelguru-{stage}-{stack} has no output {output} "
                f"(it has {', '.join(sorted(outputs)) or 'none'})"
            )
        return outputs[output]
    return value


# ---- the run's AWS access ------------------------------------------------------------


class Deploy:
    """One run: the configuration, boto3 clients per region, stack outputs read once."""

    def __init__(
        self,
        config: StageConfig,
        *,
        zip_path: Path | None = None,
        out: TextIO | None = None,
        zappa: Path | None = None,
        settings_path: Path | None = None,
        frontend_dist: Path | None = None,
        health_attempts: int = 5,
        health_delay: float = 6.0,
    ) -> None:
        self.config = config
        self.stage = config.stage
        self.zip_path = zip_path or ROOT / "var" / "package" / f"travelguru-{self.stage}.zip"
        self.out = out or sys.stdout
        self.zappa = zappa or ZAPPA
        self.settings_path = settings_path or DEPLOY_SETTINGS
        self.frontend_dist = frontend_dist or FRONTEND_DIST
        self.health_attempts = health_attempts
        self.health_delay = health_delay
        self.notes: list[str] = []
        self._clients: dict[tuple[str, str, int, int], Any] = {}
        self._outputs: dict[str, dict[str, str]] = {}

    @property
    def function_name(self) -> str:
        return f"travelguru-{self.stage}"

    @property
    def app_secret_id(self) -> str:
        return f"travelguru/{self.stage}/django"

    def client(
        self, service: str, *, region: str | None = None, read_timeout: int = 60, retries: int = 3
    ) -> Any:
        import boto3
        from botocore.config import Config

        key = (service, region or self.config.region, read_timeout, retries)
        if key not in self._clients:
            self._clients[key] = boto3.client(
                service,
                region_name=key[1],
                config=Config(
                    read_timeout=read_timeout,
                    retries={"mode": "standard", "total_max_attempts": retries},
                ),
            )
        return self._clients[key]

    def note(self, text: str) -> None:
        self.notes.append(text)

    # ---- CloudFormation ----

    def stack_name(self, name: str) -> str:
        return f"travelguru-{self.stage}-{name}"

    def stack_region(self, name: str) -> str:
        return self.config.edge_region if name == "edge-waf" else self.config.region

    def describe_stack(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        cfn = self.client("cloudformation", region=self.stack_region(name))
        try:
            return cfn.describe_stacks(StackName=self.stack_name(name))["Stacks"][0]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise

    def outputs(self, name: str) -> dict[str, str]:
        if name not in self._outputs:
            stack = self.describe_stack(name)
            if stack is None:
                raise DeployError(
                    f"stack {self.stack_name(name)} does not exist yet: run the {name} step"
                )
            self._outputs[name] = {
                o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])
            }
        return self._outputs[name]

    def deploy_stack(self, name: str, parameters: dict[str, str]) -> dict[str, str]:
        """Create or update travelguru-<stage>-<name> from infra/<name>.yaml and wait."""
        from botocore.exceptions import ClientError, WaiterError

        region = self.stack_region(name)
        cfn = self.client("cloudformation", region=region)
        stack_name = self.stack_name(name)
        params = {**parameters, **self.config.stack_parameters.get(name, {})}
        request: dict[str, Any] = {
            "StackName": stack_name,
            "TemplateBody": (ROOT / "infra" / f"{name}.yaml").read_text(),
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        }
        if name in NAMED_IAM:
            request["Capabilities"] = ["CAPABILITY_NAMED_IAM"]
        existing = self.describe_stack(name)
        if existing and existing["StackStatus"] == "ROLLBACK_COMPLETE":
            remove_failed_first_create(self, name)
            self.note(f"{stack_name}: deleted the failed first create, creating again")
            existing = None
        started = datetime.now(UTC) - timedelta(seconds=5)  # CloudFormation's clock may lag
        try:
            if existing is None:
                cfn.create_stack(**request)
                waiter = "stack_create_complete"
            else:
                cfn.update_stack(**request)
                waiter = "stack_update_complete"
        except ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise DeployError(f"{stack_name}: {exc}") from exc
            self.note(f"{stack_name}: no changes")
        else:
            try:
                cfn.get_waiter(waiter).wait(StackName=stack_name, WaiterConfig=STACK_WAIT)
            except WaiterError as exc:
                reasons = self.failed_events(name, since=started)
                status = (exc.last_response.get("Stacks") or [{}])[0].get("StackStatus", exc)
                lines = "\n".join(f"  {r}" for r in reasons) or "  (no failed events)"
                raise DeployError(f"{stack_name} did not complete ({status}):\n{lines}") from exc
        self._outputs.pop(name, None)
        return self.outputs(name)

    def failed_events(self, name: str, *, since: datetime) -> list[str]:
        """This attempt's failed resources, oldest first (the first is usually the cause)."""
        cfn = self.client("cloudformation", region=self.stack_region(name))
        events = cfn.describe_stack_events(StackName=self.stack_name(name))["StackEvents"]
        return [
            f"{e['LogicalResourceId']} ({e.get('ResourceType', '')}): "
            f"{e.get('ResourceStatusReason', '')}"
            for e in reversed(events)
            if e.get("ResourceStatus", "").endswith("_FAILED") and e["Timestamp"] >= since
        ]

    # ---- the function ----

    def function_exists(self) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client("lambda").get_function(FunctionName=self.function_name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return False
            raise
        return True

    def run_zappa(self, *args: str) -> str:
        if not self.zappa.exists():
            raise DeployError(f"{self.zappa} is missing: `make package` builds Zappa's environment")
        venv = self.zappa.parent.parent
        env = {
            **os.environ,
            "VIRTUAL_ENV": str(venv),
            "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
        }
        command = [str(self.zappa), *args, "-s", str(self.settings_path), "--disable_progress"]
        # A fixed executable and our own arguments, no shell.
        result = subprocess.run(  # noqa: S603 # nosec B603
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        output = (result.stdout + result.stderr).strip()
        if result.returncode != 0:
            tail = "\n".join(output.splitlines()[-30:])
            raise DeployError(f"`zappa {' '.join(args)}` exited {result.returncode}:\n{tail}")
        return output

    def invoke(self, payload: dict[str, str]) -> str:
        """Run one of Zappa's handler events in the deployed function; raise on any error."""
        # One attempt: a migration must not start twice because a response was slow.
        client = self.client("lambda", read_timeout=900, retries=1)
        response = client.invoke(
            FunctionName=self.function_name,
            InvocationType="RequestResponse",
            LogType="Tail",
            Payload=json.dumps(payload).encode(),
        )
        body = response["Payload"].read().decode(errors="replace")
        log = base64.b64decode(response.get("LogResult") or b"").decode(errors="replace")
        if response.get("FunctionError") or "Traceback (most recent call last)" in log:
            tail = "\n".join(log.splitlines()[-20:])
            raise DeployError(
                f"{json.dumps(payload)} failed in {self.function_name}: {body[:2000]}\n{tail}"
            )
        return body


# ---- the steps -----------------------------------------------------------------------


def stage_settings(d: Deploy) -> dict[str, Any]:
    settings = json.loads(ZAPPA_SETTINGS.read_text())
    return zappa_stage_settings(
        settings, stage=d.stage, overrides=d.config.zappa_overrides, region=d.config.region
    )


def preflight_problems(d: Deploy) -> list[str]:
    """Everything that would stop the deploy later and that the operator must fix first."""
    from botocore.exceptions import BotoCoreError, ClientError

    problems: list[str] = []
    try:
        identity = d.client("sts").get_caller_identity()
        d.note(f"account {identity['Account']} as {identity['Arn']}, region {d.config.region}")
    except (BotoCoreError, ClientError) as exc:
        return [f"no usable AWS credentials: {exc}"]
    if d.config.edge_region != "us-east-1":
        problems.append(
            f"edge_region is {d.config.edge_region}: CloudFront takes certificates and web ACLs "
            "only from us-east-1"
        )
    settings = stage_settings(d)
    if settings.get("aws_region") != d.config.region:
        problems.append(
            f"zappa_overrides set aws_region to {settings.get('aws_region')}, not {d.config.region}"
        )
    problems += concurrency_problems(d, settings.get("lambda_concurrency"))
    for label, arn, region in (
        ("api_certificate_arn", d.config.api_certificate_arn, d.config.region),
        ("site_certificate_arn", d.config.site_certificate_arn, d.config.edge_region),
    ):
        problems += certificate_problems(d, label=label, arn=arn, region=region)
    secret = app_secret(d)
    if secret is not None and (missing := missing_stripe_keys(secret)):
        problems.append(stripe_message(d, missing))
    return problems


def concurrency_problems(d: Deploy, reserve: Any) -> list[str]:
    if not reserve:
        return []
    from botocore.exceptions import ClientError

    lam = d.client("lambda")
    settings = lam.get_account_settings()
    limit = settings["AccountLimit"]["ConcurrentExecutions"]
    unreserved = settings["AccountLimit"]["UnreservedConcurrentExecutions"]
    # A release: the function's own reservation is already out of the unreserved pool.
    try:
        current = (
            lam.get_function_concurrency(FunctionName=d.function_name).get(
                "ReservedConcurrentExecutions"
            )
            or 0
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        current = 0
    left = unreserved + current - int(reserve)
    d.note(
        f"Lambda concurrency: account limit {limit}, unreserved {unreserved}, reserving {reserve}"
    )
    if left >= UNRESERVED_MINIMUM:
        return []
    return [
        f"Lambda concurrency quota too low: account limit {limit}, unreserved {unreserved}"
        f"{f' (+{current} already reserved by {d.function_name})' if current else ''}; reserving "
        f"lambda_concurrency {reserve} would leave {left} unreserved, AWS requires at least "
        f"{UNRESERVED_MINIMUM}. Ask for at least {int(reserve) + UNRESERVED_MINIMUM} concurrent "
        f"executions (Service Quotas: Lambda 'Concurrent executions', region "
        f"{d.config.region}) or lower lambda_concurrency (zappa_overrides)."
    ]


def certificate_problems(d: Deploy, *, label: str, arn: str, region: str) -> list[str]:
    from botocore.exceptions import ClientError

    try:
        cert = d.client("acm", region=region).describe_certificate(CertificateArn=arn)[
            "Certificate"
        ]
    except ClientError as exc:
        return [f"{label} {arn} not found in {region}: {exc.response['Error']['Message']}"]
    status = cert.get("Status")
    if status == "ISSUED":
        return []
    hint = " (add its DNS validation record and wait)" if status == "PENDING_VALIDATION" else ""
    return [f"{label} {arn} ({cert.get('DomainName')}) is {status}, not ISSUED{hint}"]


def app_secret(d: Deploy) -> dict[str, Any] | None:
    """The app secret's values, or None before the database stack created it."""
    from botocore.exceptions import ClientError

    try:
        raw = d.client("secretsmanager").get_secret_value(SecretId=d.app_secret_id)["SecretString"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DeployError(f"{d.app_secret_id} is not a JSON object") from exc
    if not isinstance(value, dict):
        raise DeployError(f"{d.app_secret_id} is not a JSON object")
    return value


def missing_stripe_keys(secret: dict[str, Any]) -> list[str]:
    return [key for key in STRIPE_KEYS if not str(secret.get(key) or "").strip()]


def stripe_message(d: Deploy, missing: Sequence[str]) -> str:
    mode = "live" if d.stage == "prod" else "test-mode"
    return (
        f"{d.app_secret_id} lacks {', '.join(missing)}: put Stripe's {mode} keys into the "
        "secret (README, 'Deploying to AWS'), keeping the other keys"
    )


def step_preflight(d: Deploy) -> None:
    problems = preflight_problems(d)
    if problems:
        raise DeployError("\n  - " + "\n  - ".join(problems))


def step_storage(d: Deploy) -> None:
    d.deploy_stack("storage", {"Stage": d.stage})


def step_network(d: Deploy) -> None:
    d.deploy_stack(
        "network", {"Stage": d.stage, "FlowLogBucketArn": d.outputs("storage")["LogBucketArn"]}
    )


def step_database(d: Deploy) -> None:
    d.deploy_stack(
        "database",
        {
            "Stage": d.stage,
            "StorageStackName": d.stack_name("storage"),
            "NetworkStackName": d.stack_name("network"),
        },
    )


def step_secrets(d: Deploy) -> None:
    """The origin secret generated once (kept on every later run); Stripe's keys checked."""
    secret = app_secret(d)
    if secret is None:
        raise DeployError(f"{d.app_secret_id} does not exist: the database stack creates it")
    if len(str(secret.get("ORIGIN_VERIFY_SECRET") or "")) < ORIGIN_SECRET_MIN:
        secret["ORIGIN_VERIFY_SECRET"] = secrets.token_hex(32)
        d.client("secretsmanager").put_secret_value(
            SecretId=d.app_secret_id, SecretString=json.dumps(secret)
        )
        d.note(f"{d.app_secret_id}: generated ORIGIN_VERIFY_SECRET")
    if missing := missing_stripe_keys(secret):
        raise DeployError(stripe_message(d, missing))


def app_parameters(d: Deploy, *, deploy_api: bool) -> dict[str, str]:
    return {
        "Stage": d.stage,
        "StorageStackName": d.stack_name("storage"),
        "DatabaseStackName": d.stack_name("database"),
        "DeployApi": "true" if deploy_api else "false",
        "ApiDomainName": d.config.api_domain,
        "ApiCertificateArn": d.config.api_certificate_arn,
        "AlarmEmail": d.config.alarm_email,
    }


def step_app_role(d: Deploy) -> None:
    # A release keeps the API: DeployApi=false would delete it (and the domain's mapping).
    stack = d.describe_stack("app") or {}
    api_deployed = any(
        p["ParameterKey"] == "DeployApi" and p["ParameterValue"] == "true"
        for p in stack.get("Parameters", [])
    )
    d.deploy_stack("app", app_parameters(d, deploy_api=api_deployed))


def step_zappa_settings(d: Deploy) -> None:
    settings = resolve_placeholders(stage_settings(d), stage=d.stage, outputs_of=d.outputs)
    d.settings_path.parent.mkdir(parents=True, exist_ok=True)
    d.settings_path.write_text(json.dumps({d.stage: settings}, indent=2) + "\n")
    d.note(f"wrote {d.settings_path}")


def put_parameter(d: Deploy, name: str, value: str) -> None:
    d.client("ssm").put_parameter(
        Name=f"/travelguru/{d.stage}/{name}", Value=value, Type="String", Overwrite=True
    )


def index_fields_json() -> str:
    fields = json.loads(INDEX_FIELDS.read_text())["IndexFields"]
    return json.dumps(fields, separators=(",", ":"))


def write_search_parameters(d: Deploy, *, domain: str | None) -> None:
    """SEARCH_BACKEND (and the domain's endpoints) where the function reads them (SSM)."""
    if domain is None:
        put_parameter(d, "SEARCH_BACKEND", "local")
        d.note("SEARCH_BACKEND=local (the database-backed engine)")
        return
    status = d.client("cloudsearch").describe_domains(DomainNames=[domain])["DomainStatusList"]
    search = status[0].get("SearchService", {}).get("Endpoint") if status else None
    document = status[0].get("DocService", {}).get("Endpoint") if status else None
    if not (search and document):
        raise DeployError(
            f"CloudSearch domain {domain} has no endpoints yet: resume in a few minutes"
        )
    put_parameter(d, "CLOUDSEARCH_SEARCH_ENDPOINT", f"https://{search}")
    put_parameter(d, "CLOUDSEARCH_DOCUMENT_ENDPOINT", f"https://{document}")
    put_parameter(d, "SEARCH_BACKEND", "cloudsearch")
    d.note(f"SEARCH_BACKEND=cloudsearch ({domain})")


def step_search(d: Deploy) -> None:
    if d.config.search == "local":
        write_search_parameters(d, domain=None)
        return
    try:
        outputs = d.deploy_stack(
            "search", {"Stage": d.stage, "IndexFieldsJson": index_fields_json()}
        )
    except DeployError as exc:
        # CloudSearch takes no new customers: on such an account the domain is never
        # created, and the stage runs on the database-backed engine instead. A domain that
        # exists and failed later (its fields, its policy) is a real fault and stops the run.
        domain = f"travelguru-{d.stage}"
        found = d.client("cloudsearch").describe_domains(DomainNames=[domain])
        if found["DomainStatusList"]:
            raise
        remove_failed_first_create(d, "search")
        write_search_parameters(d, domain=None)
        d.note(
            f"CloudSearch created no domain {domain} here, so search runs on the database "
            f"(set search: local in the stage config to skip trying). The stack said: {exc}"
        )
        return
    write_search_parameters(d, domain=outputs["DomainName"])


def remove_failed_first_create(d: Deploy, name: str) -> None:
    """Delete a stack whose first create failed (ROLLBACK_COMPLETE can only be deleted)."""
    stack = d.describe_stack(name)
    if stack is None or stack["StackStatus"] != "ROLLBACK_COMPLETE":
        return
    cfn = d.client("cloudformation", region=d.stack_region(name))
    cfn.delete_stack(StackName=d.stack_name(name))
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=d.stack_name(name), WaiterConfig=STACK_WAIT
    )


def step_function(d: Deploy) -> None:
    if not d.zip_path.is_file():
        raise DeployError(f"{d.zip_path} is missing: `make package STAGE={d.stage}` builds it")
    if not d.settings_path.is_file():
        raise DeployError(f"{d.settings_path} is missing: run the zappa-settings step")
    action = "update" if d.function_exists() else "deploy"
    d.run_zappa(action, d.stage, "--zip", str(d.zip_path))
    d.note(f"zappa {action} {d.stage} --zip {d.zip_path.name}")


def step_migrate(d: Deploy) -> None:
    d.invoke({"manage": "migrate --noinput"})


def step_collectstatic(d: Deploy) -> None:
    d.invoke({"manage": "collectstatic --noinput"})


def step_app_api(d: Deploy) -> None:
    d.deploy_stack("app", app_parameters(d, deploy_api=True))
    # CloudFormation deploys the API once, when the Deployment resource is created; a
    # changed method would never go live. A deployment per release puts the current
    # methods on the stage.
    cfn = d.client("cloudformation")
    api_id = cfn.describe_stack_resource(StackName=d.stack_name("app"), LogicalResourceId="Api")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    deployment = d.client("apigateway").create_deployment(
        restApiId=api_id, stageName=d.stage, description="make deploy"
    )
    d.note(f"API {api_id}: deployment {deployment['id']} on stage {d.stage}")


def step_edge_waf(d: Deploy) -> None:
    d.deploy_stack("edge-waf", {"Stage": d.stage})


def step_edge(d: Deploy) -> None:
    outputs = d.deploy_stack(
        "edge",
        {
            "Stage": d.stage,
            "StorageStackName": d.stack_name("storage"),
            "SiteDomainName": d.config.site_domain,
            "SiteCertificateArn": d.config.site_certificate_arn,
            "ApiOriginDomainName": d.config.api_domain,
            "EdgeWebAclArn": d.outputs("edge-waf")["WebAclArn"],
        },
    )
    d.note(f"point {d.config.site_domain} at {outputs.get('DistributionDomainName')}")


def step_publish_frontend(d: Deploy) -> None:
    # The zip carries no front-end build: it is published from here, with the same code
    # (and the same cache headers) as `manage.py publish_frontend`.
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from travelguru.publish import frontend_publish

    bucket = d.outputs("storage")["FrontendBucket"]
    try:
        report = frontend_publish(
            dist=d.frontend_dist, bucket=bucket, endpoint_url=None, region=d.config.region
        )
    except FileNotFoundError as exc:
        raise DeployError(str(exc)) from exc
    distribution = d.outputs("edge")["DistributionId"]
    d.client("cloudfront", region="us-east-1").create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/index.html"]},
            "CallerReference": f"make-deploy-{time.time_ns()}",
        },
    )
    d.note(f"{len(report.uploaded)} files to s3://{bucket}; /index.html invalidated")


def step_search_sync(d: Deploy) -> None:
    d.invoke({"command": "travelguru.scheduled.sync_search_index_full"})


def health_check(d: Deploy) -> None:
    url = d.config.public_health_url
    if not url.startswith(("https://", "http://")):
        raise DeployError(f"health_url {url!r} is not an http(s) URL")
    last = ""
    for attempt in range(d.health_attempts):
        if attempt:
            time.sleep(d.health_delay)
        try:
            # http(s) only, checked above.
            with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 # nosec B310
                if response.status == 200:
                    d.note(f"GET {url}: 200")
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read(300).decode(errors='replace')}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
    raise DeployError(f"GET {url} did not answer 200 after {d.health_attempts} tries: {last}")


STEPS: tuple[tuple[str, Callable[[Deploy], None]], ...] = (
    ("preflight", step_preflight),
    ("storage", step_storage),
    ("network", step_network),
    ("database", step_database),
    ("secrets", step_secrets),
    ("app-role", step_app_role),
    ("zappa-settings", step_zappa_settings),
    ("search", step_search),
    ("function", step_function),
    ("migrate", step_migrate),
    ("collectstatic", step_collectstatic),
    ("app-api", step_app_api),
    ("edge-waf", step_edge_waf),
    ("edge", step_edge),
    ("publish-frontend", step_publish_frontend),
    ("search-sync", step_search_sync),
    ("health", health_check),
)
STEP_NAMES = tuple(name for name, _ in STEPS)


def step_rollback(versions: int) -> Callable[[Deploy], None]:
    def rollback(d: Deploy) -> None:
        d.run_zappa("rollback", d.stage, "-n", str(versions))
        d.note(f"zappa rollback {d.stage} -n {versions}")

    return rollback


# ---- running -------------------------------------------------------------------------


def run_steps(
    d: Deploy,
    steps: Sequence[tuple[str, Callable[[Deploy], None]]],
    *,
    start: str | None = None,
    on_failure: str,
) -> int:
    """Run the steps in order (preflight always; the rest from `start`); 0, or 1 at the
    first failure after naming the step, the error and `on_failure` (with {step})."""
    names = [name for name, _ in steps]
    begin = names.index(start) if start else 0
    for i, (name, step) in enumerate(steps, 1):
        label = f"[{i}/{len(steps)}] {name} ..."
        if i - 1 < begin and name != "preflight":
            print(f"{label} skipped (--from {start})", file=d.out, flush=True)
            continue
        print(label, end="", file=d.out, flush=True)
        started = time.monotonic()
        d.notes = []
        try:
            step(d)
        except Exception as exc:  # every failure ends the run the same way, named
            print(f" FAILED ({time.monotonic() - started:.1f}s)", file=d.out)
            detail = str(exc) if isinstance(exc, DeployError) else f"{type(exc).__name__}: {exc}"
            print(f"\nStep '{name}' failed: {detail}", file=d.out)
            print(on_failure.format(step=name), file=d.out, flush=True)
            return 1
        print(f" ok ({time.monotonic() - started:.1f}s)", file=d.out, flush=True)
        for text in d.notes:
            print(f"      {text}", file=d.out)
    return 0


def resume_command(args: argparse.Namespace) -> str:
    """The command that repeats this deploy from a step: make's, unless the run used a
    flag make does not pass."""
    if args.config is None and args.search is None:
        zip_var = f" ZIP={args.zip}" if args.zip else ""
        return f"make deploy STAGE={args.stage}{zip_var} FROM={{step}}"
    parts = [sys.executable, "-m", "infra.deploy", "deploy", "--stage", args.stage]
    if args.config:
        parts += ["--config", str(args.config)]
    if args.zip:
        parts += ["--zip", str(args.zip)]
    if args.search:
        parts += ["--search", args.search]
    return " ".join([*parts, "--from", "{step}"])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infra.deploy", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in ("deploy", "rollback"):
        p = sub.add_parser(command)
        p.add_argument("--stage", required=True, choices=("dev", "prod"))
        p.add_argument("--config", type=Path, help="default: infra/stages/<stage>.json")
        if command == "deploy":
            p.add_argument("--zip", type=Path, help="default: var/package/travelguru-<stage>.zip")
            p.add_argument("--from", dest="start", choices=STEP_NAMES, help="resume from this step")
            p.add_argument(
                "--search", choices=SEARCH_BACKENDS, help="overrides the config's search"
            )
        else:
            p.add_argument("--versions", type=int, default=1, help="how many versions back")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = parse_args(argv)
    config_path = args.config or ROOT / "infra" / "stages" / f"{args.stage}.json"
    try:
        config = load_config(config_path, stage=args.stage, search=getattr(args, "search", None))
    except DeployError as exc:
        print(f"Configuration: {exc}", file=out)
        return 2
    d = Deploy(config, zip_path=getattr(args, "zip", None), out=out)
    if args.command == "rollback":
        steps = (
            ("zappa-settings", step_zappa_settings),
            ("rollback", step_rollback(args.versions)),
            ("health", health_check),
        )
        print(f"Rolling back travelguru-{args.stage} by {args.versions} version(s)", file=out)
        # Not "run it again": a rollback that succeeded before the health check failed
        # would go one more version back.
        on_failure = (
            f"Nothing else was changed. `zappa status {args.stage}` (var/.package-venv) shows "
            "the version now live; a rollback run again goes further back."
        )
        return run_steps(d, steps, on_failure=on_failure)
    print(
        f"Deploying travelguru-{args.stage} to {config.region} (search: {config.search})", file=out
    )
    on_failure = "Fix that, then resume with: " + resume_command(args)
    return run_steps(d, STEPS, start=args.start, on_failure=on_failure)


if __name__ == "__main__":
    sys.exit(main())
