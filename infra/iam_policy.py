"""Decide offline whether a role in infra/*.yaml may make an AWS call.

moto does not evaluate IAM, and AWS's own simulator needs an account, so the stacks'
policies are checked here with the evaluation rules AWS documents for one account:

- a call is allowed only if an identity policy of the role allows it AND the role's
  permissions boundary allows it, and no statement of either denies it (explicit Deny wins);
- `Action` matches case-insensitively, `Resource` case-sensitively; `*` matches any run of
  characters and `?` one character; an ARN is matched segment by segment (partition,
  service, region, account), its resource part as a whole (so `log-group:x*` also covers
  `log-group:x:log-stream:y`, as AWS documents);
- `NotAction` / `NotResource` apply to everything they do not list;
- a `Condition` holds only if every operator holds for every key; a key the request does
  not carry fails a positive operator. Only the operators the stacks use are known here;
  any other raises, so a new one cannot be silently read as "allowed".

No maintained Python library evaluates identity policies together with a boundary
(policyuniverse parses and expands; parliament and policy_sentry lint and write; PMapper's
simulator is AGPL and unmaintained since 2022), so this module holds the few rules needed.

The input is plain data (`Call`: action, resource ARN, condition context), so calls
recorded from a rehearsal (botocore's event hooks) can be fed in unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

Decision = Literal["allowed", "explicit deny", "no allow in role", "no allow in boundary"]


@dataclass(frozen=True)
class Call:
    action: str  # "ssm:GetParametersByPath"
    resource: str  # an ARN, or "*" for actions without resource-level permissions
    context: Mapping[str, str] = field(default_factory=dict)  # condition keys of the request


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, arn: str) -> bool:
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return glob_match(pattern, arn)
    return all(glob_match(p, a) for p, a in zip(pattern_parts, arn_parts, strict=True))


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _condition_holds(
    condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]
) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
            wanted = _listed(expected)
            if operator == "StringEquals":
                ok = actual is not None and actual in wanted
            elif operator == "StringLike":
                ok = actual is not None and any(glob_match(w, actual) for w in wanted)
            elif operator == "ArnEquals":
                ok = actual is not None and actual in wanted
            elif operator == "ArnLike":
                ok = actual is not None and any(arn_match(w, actual) for w in wanted)
            elif operator == "Bool":
                ok = actual is not None and actual.lower() in [str(w).lower() for w in wanted]
            else:
                raise NotImplementedError(f"condition operator {operator} is not modelled")
            if not ok:
                return False
    return True


def statement_applies(statement: Mapping[str, Any], call: Call) -> bool:
    if "Action" in statement:
        actions = _listed(statement["Action"])
        action_ok = any(glob_match(a, call.action, ignore_case=True) for a in actions)
    else:
        actions = _listed(statement["NotAction"])
        action_ok = not any(glob_match(a, call.action, ignore_case=True) for a in actions)
    if not action_ok:
        return False
    if "Resource" in statement:
        resource_ok = any(arn_match(r, call.resource) for r in _listed(statement["Resource"]))
    elif "NotResource" in statement:
        resource_ok = not any(
            arn_match(r, call.resource) for r in _listed(statement["NotResource"])
        )
    else:
        resource_ok = True  # a key policy's statements name no resource but the key itself
    return resource_ok and _condition_holds(statement.get("Condition", {}), call.context)


def _statements(policies: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for policy in policies:
        statements = policy["Statement"]
        yield from [statements] if isinstance(statements, Mapping) else statements


def effect_of(policies: Iterable[Mapping[str, Any]], call: Call) -> str | None:
    """ "Deny" if any statement denies, else "Allow" if any allows, else None."""
    effects = {s["Effect"] for s in _statements(policies) if statement_applies(s, call)}
    if "Deny" in effects:
        return "Deny"
    return "Allow" if "Allow" in effects else None


def decide(
    identity_policies: Iterable[Mapping[str, Any]],
    boundary: Mapping[str, Any] | None,
    call: Call,
) -> Decision:
    identity = effect_of(list(identity_policies), call)
    bounded = effect_of([boundary], call) if boundary is not None else "Allow"
    if "Deny" in (identity, bounded):
        return "explicit deny"
    if identity != "Allow":
        return "no allow in role"
    if bounded != "Allow":
        return "no allow in boundary"
    return "allowed"


def principal_matches(statement: Mapping[str, Any], *, service: str) -> bool:
    """Whether a resource policy statement names this AWS service principal."""
    principal = statement.get("Principal", {})
    if principal == "*":
        return True
    return service in _listed(principal.get("Service", []))


def resource_policy_allows(
    policy: Mapping[str, Any], call: Call, *, service_principal: str
) -> bool:
    """A resource (e.g. KMS key) policy allowing an AWS service principal, Deny winning."""
    applicable = [
        s
        for s in _statements([policy])
        if principal_matches(s, service=service_principal) and statement_applies(s, call)
    ]
    effects = {s["Effect"] for s in applicable}
    return "Allow" in effects and "Deny" not in effects


# The AWS managed policies the stacks attach, as AWS publishes them (IAM console, policy
# version in the comment). AWS changes them rarely and only by adding; re-read on upgrade.
AWS_MANAGED_POLICIES: dict[str, dict[str, Any]] = {
    "AWSLambdaVPCAccessExecutionRole": {  # v3
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": "*",
            }
        ],
    },
    "AWSXRayDaemonWriteAccess": {  # v3
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                    "xray:GetSamplingStatisticSummaries",
                ],
                "Resource": "*",
            }
        ],
    },
}


# ---- CloudFormation: the policies a role of a template carries, values resolved ---------


@dataclass(frozen=True)
class StackContext:
    """What CloudFormation would substitute: parameters, pseudo parameters and imports."""

    parameters: Mapping[str, str]
    imports: Mapping[str, str]
    region: str = "eu-west-1"
    account: str = "123456789012"
    partition: str = "aws"
    stack_name: str = "stack"

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        raise KeyError(f"cannot resolve Ref {name} outside a stack")


def resolve(value: Any, stack: StackContext, local: Mapping[str, str] | None = None) -> Any:
    """The value with Ref / Fn::Sub / Fn::ImportValue / Fn::Join substituted."""
    if isinstance(value, list):
        return [resolve(v, stack, local) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), local = next(iter(value.items())), dict(local or {})
        if key == "Ref":
            return local[arg] if arg in local else stack.ref(arg)
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else arg
            local.update({k: resolve(v, stack, local) for k, v in variables.items()})

            def sub(match: re.Match[str]) -> str:
                name = match.group(1)
                if "." in name:
                    raise KeyError(f"cannot resolve ${{{name}}} outside a stack")
                return local[name] if name in local else stack.ref(name)

            return re.sub(r"\$\{([^}!]+)\}", sub, text)
        if key == "Fn::ImportValue":
            return stack.imports[resolve(arg, stack, local)]
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(resolve(parts, stack, local))
        if key.startswith("Fn::") or key == "Condition":
            raise KeyError(f"{key} is not resolved offline")
    return {k: resolve(v, stack, local) for k, v in value.items()}


def role_policies(
    template: Mapping[str, Any],
    role: str,
    stack: StackContext,
    managed: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[list[Mapping[str, Any]], Mapping[str, Any] | None]:
    """(identity policy documents, boundary document) of `role` in `template`.

    AWS managed policies are read from `managed` by name (AWS_MANAGED_POLICIES by
    default); one missing there raises.
    """
    managed = AWS_MANAGED_POLICIES if managed is None else managed
    # A parameter the stack is not given takes its Default, as CloudFormation does.
    defaults = {
        name: str(spec["Default"])
        for name, spec in template.get("Parameters", {}).items()
        if "Default" in spec
    }
    stack = replace(stack, parameters={**defaults, **stack.parameters})
    resources = template["Resources"]
    properties = resources[role]["Properties"]
    documents = [resolve(p["PolicyDocument"], stack) for p in properties.get("Policies", [])]
    for arn in resolve(properties.get("ManagedPolicyArns", []), stack):
        documents.append(managed[arn.rpartition("/")[2]])
    for resource in resources.values():
        attached = resource["Properties"].get("Roles", []) if "Properties" in resource else []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and any(
            r == {"Ref": role} for r in attached
        ):
            documents.append(resolve(resource["Properties"]["PolicyDocument"], stack))
    boundary = properties.get("PermissionsBoundary")
    if boundary is None:
        return documents, None
    if not (isinstance(boundary, dict) and set(boundary) == {"Ref"}):
        raise KeyError(f"{role}: only a boundary of the same template is resolved offline")
    boundary_document = resolve(resources[boundary["Ref"]]["Properties"]["PolicyDocument"], stack)
    return documents, boundary_document


# ---- recorded SDK calls -> the IAM requests AWS authorizes ------------------------------


S3_OBJECT_ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CopyObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "DeleteObject": "s3:DeleteObject",
}


def iam_requests(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    parsed: Mapping[str, Any],
    *,
    region: str,
    account: str,
    partition: str = "aws",
) -> list[Call]:
    """The (action, resource) pairs one SDK call is authorized as, per AWS's documentation.

    Unknown calls raise: a call nobody mapped must be mapped (from the service's
    "Actions, resources and condition keys" page), not passed as allowed.
    """
    prefix = f"arn:{partition}:{service}:{region}:{account}"
    if (service, operation) == ("ssm", "GetParametersByPath"):
        # authorized against the path as requested, not the parameters it returns
        return [Call("ssm:GetParametersByPath", f"{prefix}:parameter{params['Path']}")]
    if (service, operation) in (("ssm", "GetParameter"), ("ssm", "PutParameter")):
        name = params["Name"] if params["Name"].startswith("/") else f"/{params['Name']}"
        return [Call(f"ssm:{operation}", f"{prefix}:parameter{name}")]
    if (service, operation) == ("secretsmanager", "GetSecretValue"):
        return [Call("secretsmanager:GetSecretValue", parsed["ARN"])]
    if (service, operation) == ("lambda", "Invoke"):
        # A name, a partial ARN ("account:function:name") or an ARN; a qualifier (version or
        # alias) is part of the resource, so a policy on the bare function does not cover it.
        name = params["FunctionName"]
        if name.startswith("arn:"):
            arn = name
        elif ":function:" in name:
            arn = f"arn:{partition}:lambda:{region}:{name}"
        else:
            arn = f"{prefix}:function:{name}"
        if params.get("Qualifier"):
            arn = f"{arn}:{params['Qualifier']}"
        return [Call("lambda:InvokeFunction", arn)]
    if service == "s3":
        # S3's ARNs carry no region or account; HEAD is authorized as the GET it mirrors,
        # a multipart upload's every part as PutObject, a listing on the bucket itself.
        bucket = f"arn:{partition}:s3:::{params['Bucket']}"
        if operation in S3_OBJECT_ACTIONS:
            return [Call(S3_OBJECT_ACTIONS[operation], f"{bucket}/{params['Key']}")]
        if operation == "DeleteObjects":
            keys = [o["Key"] for o in params["Delete"]["Objects"]]
            return [Call("s3:DeleteObject", f"{bucket}/{key}") for key in keys]
        if operation in ("ListObjects", "ListObjectsV2", "HeadBucket"):
            return [Call("s3:ListBucket", bucket)]
    raise KeyError(f"{service}:{operation} has no IAM mapping in infra/iam_policy.py yet")
