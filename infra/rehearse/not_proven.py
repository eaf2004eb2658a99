"""What the rehearsal cannot prove, listed from the templates and what the twins did.

CloudFormation on the twin creates only the resource types moto has a model for; the
harness answers Ref/GetAtt for the rest (infra/rehearse/moto_twin.py) so later stacks can
read them, but nothing exists behind such a "stand-in". The list is computed from the
templates the command deploys and moto's own model registry, so a moto upgrade that adds
a type shortens it, and a new resource type in infra/ lengthens it, without editing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from infra.rehearse.moto_twin import CREATED_BY_HARNESS, FAILING_MODELS
from infra.rehearse.templates import template

# The stacks `deploy --search local` creates (search.yaml only with --search cloudsearch).
DEPLOYED = ("storage", "network", "database", "app", "edge-waf", "edge")


def moto_types() -> set[str]:
    from moto.cloudformation.parsing import get_model_map

    return set(get_model_map())


def stood_in(
    templates: Mapping[str, Mapping[str, Any]], supported: set[str]
) -> dict[str, list[str]]:
    """Resource type -> `stack/LogicalId`s of each resource moto's CloudFormation did not
    create itself (no model, or one that fails on our properties)."""
    found: dict[str, list[str]] = {}
    for stack, body in templates.items():
        for logical, resource in body["Resources"].items():
            kind = resource["Type"]
            if kind not in supported or kind in FAILING_MODELS or kind in CREATED_BY_HARNESS:
                found.setdefault(kind, []).append(f"{stack}/{logical}")
    return dict(sorted(found.items()))


def zappa_warnings(outputs: Iterable[str]) -> list[str]:
    """Lines of the command's output where Zappa reported something the twin refused."""
    seen: dict[str, int] = {}
    for output in outputs:
        for line in output.splitlines():
            text = line.strip().lstrip("|").strip()
            if "Problem " in text or "not implemented" in text.lower():
                seen[text] = seen.get(text, 0) + 1
    return [f"{text} (x{count})" if count > 1 else text for text, count in seen.items()]


FIXED = [
    "Fn::Cidr: evaluated by the harness (moto has none): subnet ranges never checked by AWS",
    "Conditions: moto ignores a false one on outputs and exports and creates no resource "
    "whose Condition turns true on update; the harness does both",
    "Lambda's account quota: the twin answers 1000 concurrent executions (preflight's low-quota "
    "refusal is the deploy command's unit test)",
    "provisioned concurrency: kept as configuration by the Lambda twin, nothing pre-warmed; "
    "the alias Zappa points at it is real in moto",
    "Lambda permissions (API Gateway, EventBridge -> function): created in moto, never "
    "enforced; the edge twin and the harness invoke the function directly",
    "API Gateway: stage cache, throttling, custom domain, the regional web ACL; the edge "
    "twin builds the REST proxy event and invokes the integration's function and alias",
    "CloudFront and its web ACL: caching, response headers (CSP), the viewer-request "
    "function's JavaScript, rate rules, TLS; the edge twin adds the origin secret and viewer "
    "address and serves the front-end bucket",
    "database TLS: the proxy requires it, the local MariaDB has none; the twin sets "
    "DATABASE_TLS=false in the function's environment (the one setting not from the stacks)",
    "Aurora: the cluster parameter group (sql_mode, READ COMMITTED, lock wait), Serverless "
    "scaling, RDS Proxy pinning and failover; MariaDB runs with its own defaults",
    "VPC: subnets, security groups, endpoints, NAT: the function ran on loopback",
    "CloudSearch: not deployed (search: local); its stack and setup function never ran",
    "Stripe: answered by a twin in the function process (PaymentIntents, Refunds as "
    "documented); live keys, webhooks, 3-D Secure never reached Stripe",
    "resource policies (KMS key policy, bucket policies) and Lambda's own use of the role "
    "(logs, X-Ray, ENIs): moto enforces none; the function role is evaluated offline only",
    "Lambda runtime limits: memory, timeout, /tmp, a read-only /var/task, cold starts in VPC",
    "ACM: self-signed certificates imported by the harness; DNS validation and records",
    "CloudWatch alarms, SNS e-mail, log groups' retention: created or stood in, never fired",
    "EventBridge: every schedule invoked once by the harness, none fired by its expression",
]


def report(outputs: Iterable[str], *, stage: str) -> list[str]:
    lines = []
    templates = {f"travelguru-{stage}-{name}": template(name) for name in DEPLOYED}
    for kind, where in stood_in(templates, moto_types()).items():
        how = "created by the harness" if kind in CREATED_BY_HARNESS else "stood in"
        lines.append(f"{kind}: {how}, not by moto's CloudFormation ({', '.join(where)})")
    lines += FIXED
    lines += [f"Zappa against the twin: {w}" for w in zappa_warnings(outputs)]
    return lines
