"""The rehearsal's recorded AWS calls, judged by the function role's policies AND boundary.

Each line the runner recorded (service, operation, parameters, answer) becomes the IAM
requests AWS authorizes it as (infra/iam_policy.py's `iam_requests`), plus the KMS requests
a service makes with the caller's credentials on its behalf (Secrets Manager decrypting a
secret under the stage's key, S3 reading or writing an object its bucket encrypts with it).
The policies are infra/app.yaml's LambdaRole and LambdaBoundary, resolved with the
parameters and exports of the stacks the deploy command created.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.iam_policy import Call, StackContext, decide, iam_requests, role_policies
from infra.rehearse.templates import template

ACCOUNT = "123456789012"  # moto's


@dataclass(frozen=True)
class Result:
    call: Call
    decision: str
    source: str  # the recorded call (and the invocation) it came from


def read_calls(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def requests_of(
    record: dict[str, Any], *, account: str, data_key: str, kms_buckets: Iterable[str]
) -> list[Call]:
    """The IAM requests one recorded call is authorized as (KMS on its behalf included)."""
    calls = iam_requests(
        record["service"], record["operation"], record["params"], record["parsed"],
        region=record["region"], account=account,
    )  # fmt: skip
    if record["service"] == "secretsmanager":
        calls.append(Call("kms:Decrypt", data_key))
    bucket = record["params"].get("Bucket") if record["service"] == "s3" else None
    if bucket in set(kms_buckets):
        if record["operation"] == "PutObject":
            calls.append(Call("kms:GenerateDataKey", data_key))
        elif record["operation"] in ("GetObject", "HeadObject"):
            calls.append(Call("kms:Decrypt", data_key))
    return calls


def deployed_context(stage: str, region: str) -> StackContext:
    """The app stack's parameters and every export, as the twin's CloudFormation holds them."""
    import boto3

    cfn = boto3.client("cloudformation", region_name=region)
    stack = cfn.describe_stacks(StackName=f"travelguru-{stage}-app")["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    return StackContext(
        parameters=parameters, imports=exports, region=region, account=ACCOUNT,
        stack_name=f"travelguru-{stage}-app",
    )  # fmt: skip


def kms_encrypted_buckets(stage: str, region: str) -> list[str]:
    import boto3
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3", region_name=region)
    found = []
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        if not name.startswith(f"travelguru-{stage}-"):
            continue
        try:
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
        except ClientError:
            continue
        if any(
            r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"].startswith("aws:kms")
            for r in rules["Rules"]
        ):
            found.append(name)
    return found


def evaluate(calls: list[dict[str, Any]], *, stage: str, region: str) -> list[Result]:
    context = deployed_context(stage, region)
    identity, boundary = role_policies(template("app"), "LambdaRole", context)
    data_key = context.imports[f"travelguru-{stage}-storage-DataKeyArn"]
    buckets = kms_encrypted_buckets(stage, region)
    results = []
    for record in calls:
        source = f"{record['service']}:{record['operation']} in {record.get('invocation')}"
        try:
            requests = requests_of(record, account=ACCOUNT, data_key=data_key, kms_buckets=buckets)
        except KeyError as exc:
            results.append(Result(Call(f"{record['service']}:{record['operation']}", "?"),
                                  f"not mapped ({exc})", source))  # fmt: skip
            continue
        for call in requests:
            results.append(Result(call, decide(identity, boundary, call), source))
    return results
