"""QuickSight may read the analytics exports (list, get, decrypt through S3) and nothing else.

The grant is evaluated offline (infra/iam_policy.py) as the storage stack writes it, for
the keys the export really writes (analytics/export.py), with and without a prefix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import override_settings

from analytics.export import manifest, partition_key
from infra.iam_policy import Call, StackContext, decide, resolve
from tests.infra.test_templates import template

REGION = "eu-west-1"
ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k"
ROLE = "aws-quicksight-service-role-v0"  # what QuickSight creates at sign-up


def _without_getatt(value: Any) -> Any:
    if isinstance(value, list):
        return [_without_getatt(v) for v in value]
    if isinstance(value, dict):
        if value == {"Fn::GetAtt": "DataKey.Arn"}:
            return KEY
        return {k: _without_getatt(v) for k, v in value.items()}
    return value


def grant(stage: str, prefix: str) -> dict:
    resource = template("storage.yaml")["Resources"]["QuickSightReadsAnalytics"]
    stack = StackContext(
        parameters={"Stage": stage, "QuickSightRoleName": ROLE, "AnalyticsPrefix": prefix},
        imports={},
        region=REGION,
        account=ACCOUNT,
    )
    return resolve(_without_getatt(resource), stack)


def allowed(policy: dict, call: Call) -> bool:
    # QuickSight's role carries no boundary of ours: the grant alone decides
    return decide([policy["Properties"]["PolicyDocument"]], None, call) == "allowed"


def through_s3(bucket: str) -> dict[str, str]:
    """What S3 sends KMS when it decrypts a bucket-key object of `bucket` for a reader."""
    return {
        "kms:ViaService": f"s3.{REGION}.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket}",
    }


def test_the_grant_is_on_quicksights_role_only_when_the_operator_names_it():
    storage = template("storage.yaml")
    resource = storage["Resources"]["QuickSightReadsAnalytics"]

    assert resource["Condition"] == "GrantQuickSight"
    assert storage["Conditions"]["GrantQuickSight"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "QuickSightRoleName"}, ""]}]
    }
    assert resource["Properties"]["Roles"] == [{"Ref": "QuickSightRoleName"}]
    # the key policy leaves the key's use to IAM, so the role's policy is enough for KMS
    root = storage["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"][0]
    assert root["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
    }
    assert root["Effect"] == "Allow"


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("prefix", ["", "travelguru/"])
def test_quicksight_reads_every_key_the_export_writes(stage, prefix):
    policy = grant(stage, prefix)
    bucket = f"travelguru-{stage}-analytics"
    with override_settings(ANALYTICS_PREFIX=prefix):
        manifests = [f"{prefix}manifests/{table}.json" for table in ("events", "bookings")]
        days = [partition_key(table, date(2026, 11, 24)) for table in ("events", "bookings")]
        listed = [
            uri.removeprefix(f"s3://{bucket}/")
            for table in ("events", "bookings")
            for uri in manifest(bucket=bucket, table=table)["fileLocations"][0]["URIPrefixes"]
        ]

    bucket_arn = f"arn:aws:s3:::{bucket}"
    assert allowed(policy, Call("s3:GetBucketLocation", bucket_arn))
    for key in manifests + days:
        assert allowed(policy, Call("s3:GetObject", f"{bucket_arn}/{key}")), key
        assert allowed(policy, Call("s3:GetObjectVersion", f"{bucket_arn}/{key}")), key
    for listed_prefix in listed:  # what QuickSight lists to expand a manifest's URIPrefixes
        assert allowed(policy, Call("s3:ListBucket", bucket_arn, {"s3:prefix": listed_prefix}))
    assert allowed(policy, Call("kms:Decrypt", KEY, through_s3(bucket)))


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_quicksight_writes_nothing_and_reads_nothing_else(stage):
    prefix = "travelguru/"
    policy = grant(stage, prefix)
    bucket = f"travelguru-{stage}-analytics"
    other_stage = "prod" if stage == "dev" else "dev"
    key = f"arn:aws:s3:::{bucket}/{prefix}events/dt=2026-11-24/events.csv.gz"

    for action in ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"):
        assert not allowed(policy, Call(action, key)), action
    assert not allowed(policy, Call("s3:PutBucketPolicy", f"arn:aws:s3:::{bucket}"))
    # outside the export prefix, another stage's exports, the other buckets
    assert not allowed(policy, Call("s3:GetObject", f"arn:aws:s3:::{bucket}/elsewhere.csv"))
    assert not allowed(
        policy, Call("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": "elsewhere/"})
    )
    assert not allowed(policy, Call("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    assert not allowed(policy, Call("s3:GetObject", key.replace(f"-{stage}-", f"-{other_stage}-")))
    for kind in ("media", "static", "frontend", "zappa-deployments", "logs"):
        assert not allowed(
            policy, Call("s3:GetObject", f"arn:aws:s3:::travelguru-{stage}-{kind}/{prefix}x")
        )
    # the key: only decrypt, only through S3, only for this bucket's objects
    assert not allowed(policy, Call("kms:Decrypt", KEY))
    assert not allowed(policy, Call("kms:Decrypt", KEY, through_s3(f"travelguru-{stage}-media")))
    assert not allowed(
        policy,
        Call(
            "kms:Decrypt",
            KEY,
            {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"},
        ),
    )
    for action in ("kms:GenerateDataKey", "kms:Encrypt", "kms:ReEncryptFrom", "kms:CreateGrant"):
        assert not allowed(policy, Call(action, KEY, through_s3(bucket))), action
