"""The rehearsal harness's own pieces that can be wrong (the full run is `make rehearse`).

A harness that maps a call to the wrong ARN passes a policy it should fail; an edge twin
that forwards a viewer's forged header proves a gate that is not there; a "not proven"
list that misses a skipped type hides it. Each is checked here without moto's server.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from infra.iam_policy import Call
from infra.rehearse import edge_twin, iam_check, not_proven
from infra.rehearse.lambda_twin import function_and_qualifier
from infra.rehearse.moto_twin import cidr
from infra.rehearse.runner import StripeTwin, record_aws_calls

REGION = "eu-west-1"
ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k"


# ---- recorder -> IAM requests ------------------------------------------------------------


def test_the_recorder_notes_each_call_of_any_client_with_what_iam_needs(tmp_path, monkeypatch):
    import boto3
    import botocore.client
    from botocore.stub import Stubber

    monkeypatch.setattr(botocore.client.BaseClient, "__init__", botocore.client.BaseClient.__init__)
    calls = tmp_path / "calls.jsonl"
    record_aws_calls(str(calls))
    # a client created after the recorder is installed, as settings and storages create them
    ssm = boto3.client("ssm", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(ssm) as stub:
        stub.add_response(
            "get_parameters_by_path", {"Parameters": []}, {"Path": "/travelguru/prod/"}
        )
        ssm.get_parameters_by_path(Path="/travelguru/prod/")

    [record] = iam_check.read_calls(calls)
    assert (record["service"], record["operation"], record["region"]) == (
        "ssm",
        "GetParametersByPath",
        REGION,
    )
    assert iam_check.requests_of(record, account=ACCOUNT, data_key=KEY, kms_buckets=[]) == [
        Call(
            "ssm:GetParametersByPath", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/travelguru/prod/"
        )
    ]


def _record(service: str, operation: str, params: dict, parsed: dict | None = None) -> dict:
    return {
        "service": service,
        "operation": operation,
        "params": params,
        "parsed": parsed or {},
        "region": REGION,
    }


def test_a_secret_read_is_also_a_decrypt_with_the_stage_key():
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:travelguru/prod/django-AbCdEf"
    record = _record(
        "secretsmanager", "GetSecretValue", {"SecretId": "travelguru/prod/django"}, {"ARN": arn}
    )

    requests = iam_check.requests_of(record, account=ACCOUNT, data_key=KEY, kms_buckets=[])

    assert requests == [Call("secretsmanager:GetSecretValue", arn), Call("kms:Decrypt", KEY)]


@pytest.mark.parametrize(
    ("operation", "kms_action"),
    [
        ("PutObject", "kms:GenerateDataKey"),
        ("GetObject", "kms:Decrypt"),
        ("HeadObject", "kms:Decrypt"),
    ],
)
def test_an_object_in_a_kms_bucket_needs_the_key_and_one_elsewhere_does_not(operation, kms_action):
    params = {"Bucket": "travelguru-prod-media", "Key": "a/b.jpg"}
    record = _record("s3", operation, params)

    in_kms = iam_check.requests_of(
        record, account=ACCOUNT, data_key=KEY, kms_buckets=["travelguru-prod-media"]
    )
    elsewhere = iam_check.requests_of(record, account=ACCOUNT, data_key=KEY, kms_buckets=[])

    assert Call(kms_action, KEY) in in_kms
    assert not [c for c in elsewhere if c.action.startswith("kms:")]
    assert in_kms[0].resource == "arn:aws:s3:::travelguru-prod-media/a/b.jpg"


def test_a_listing_is_on_the_bucket_and_a_batch_delete_is_one_request_per_key():
    bucket = {"Bucket": "travelguru-prod-static"}
    listing = _record("s3", "ListObjectsV2", bucket | {"Prefix": "static/"})
    delete = _record("s3", "DeleteObjects",
                     bucket | {"Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}})  # fmt: skip

    assert iam_check.requests_of(listing, account=ACCOUNT, data_key=KEY, kms_buckets=[]) == [
        Call("s3:ListBucket", "arn:aws:s3:::travelguru-prod-static")
    ]
    assert iam_check.requests_of(delete, account=ACCOUNT, data_key=KEY, kms_buckets=[]) == [
        Call("s3:DeleteObject", "arn:aws:s3:::travelguru-prod-static/a"),
        Call("s3:DeleteObject", "arn:aws:s3:::travelguru-prod-static/b"),
    ]


def test_a_call_nobody_mapped_is_refused_not_allowed():
    with pytest.raises(KeyError):
        iam_check.requests_of(
            _record("sqs", "SendMessage", {"QueueUrl": "q"}),
            account=ACCOUNT,
            data_key=KEY,
            kms_buckets=[],
        )


# ---- the edge twin -------------------------------------------------------------------------


def test_the_edge_replaces_what_a_viewer_forges_and_appends_the_viewer():
    viewer = {
        # any spelling: header names are case-insensitive, and a viewer picks its own
        "x-origin-verify": "guessed",
        "cloudfront-viewer-address": "10.0.0.1:1",
        "X-Forwarded-For": "192.0.2.66",
        "Host": "evil.example",
        "Accept": "application/json",
    }

    headers = edge_twin.origin_headers(
        viewer, secret="s" * 64, viewer_address=("203.0.113.7", 50123), api_host="api.example"
    )

    assert headers["X-Origin-Verify"] == "s" * 64
    assert headers["CloudFront-Viewer-Address"] == "203.0.113.7:50123"
    assert headers["Host"] == "api.example"
    assert headers["X-Forwarded-For"] == f"192.0.2.66, 203.0.113.7, {edge_twin.EDGE_IP}"
    assert headers["Accept"] == "application/json"
    # one copy of each: the viewer's own never travels beside the edge's
    assert [k.lower() for k in headers].count("x-origin-verify") == 1
    assert [k.lower() for k in headers].count("cloudfront-viewer-address") == 1


@pytest.mark.parametrize(
    ("path", "api", "key"),
    [
        ("/api/hotels/search", True, None),
        ("/admin/login/", True, None),
        ("/healthz", True, None),
        ("/", False, "index.html"),
        ("/hotels/12", False, "index.html"),
        ("/assets/index-abc.js", False, "assets/index-abc.js"),
        ("/apiary", False, "index.html"),
    ],
)
def test_the_edge_routes_like_the_distribution(path, api, key):
    assert edge_twin.goes_to_api(path) is api
    if key:
        assert edge_twin.frontend_key(path) == key


# ---- what stays unproven --------------------------------------------------------------------


def test_every_type_moto_did_not_create_itself_is_listed_with_where_it_is():
    templates = {
        "s-storage": {
            "Resources": {
                "Bucket": {"Type": "AWS::S3::Bucket"},
                "Policy": {"Type": "AWS::S3::BucketPolicy"},
            }
        },
        "s-database": {
            "Resources": {
                "Writer": {"Type": "AWS::RDS::DBInstance"},
                "Secret": {"Type": "AWS::SecretsManager::Secret"},
            }
        },
    }
    supported = {"AWS::S3::Bucket", "AWS::RDS::DBInstance"}

    listed = not_proven.stood_in(templates, supported)

    assert listed == {
        "AWS::RDS::DBInstance": ["s-database/Writer"],  # moto's model fails on Aurora
        "AWS::S3::BucketPolicy": ["s-storage/Policy"],
        "AWS::SecretsManager::Secret": ["s-database/Secret"],  # made by the harness
    }


def test_the_report_names_the_real_templates_skipped_types_and_zappas_complaints():
    output = "    | Problem creating permission to invoke Lambda function\n"

    lines = not_proven.report([output, output], stage="prod")

    assert any(
        line.startswith("AWS::S3::BucketPolicy:") and "storage/MediaBucketPolicy" in line
        for line in lines
    )
    assert any(line.startswith("AWS::CloudFront::Function:") for line in lines)
    assert (
        "Zappa against the twin: Problem creating permission to invoke Lambda function (x2)"
        in lines
    )
    assert not any(line.startswith("AWS::S3::Bucket:") for line in lines)


def test_fn_cidr_gives_the_first_subnets_of_the_block():
    assert cidr("10.0.0.0/16", 3, 12) == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert cidr("192.168.0.0/24", 2, 6) == ["192.168.0.0/26", "192.168.0.64/26"]


@pytest.mark.parametrize(
    ("name", "qualifier", "expected"),
    [
        ("travelguru-prod", None, ("travelguru-prod", None)),
        ("travelguru-prod", "7", ("travelguru-prod", "7")),
        ("function:travelguru-prod:3", None, ("travelguru-prod", "3")),
        (
            "arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Atravelguru-prod%3Aprovisioned-concurrency",
            None,
            ("travelguru-prod", "provisioned-concurrency"),
        ),
    ],
)
def test_the_lambda_twin_reads_every_way_a_function_is_named(name, qualifier, expected):
    assert function_and_qualifier(name, qualifier) == expected


# ---- the Stripe twin, through Stripe's own SDK ----------------------------------------------


@pytest.fixture
def stripe_twin(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_rehearsal"
    twin = StripeTwin(calls_path=None)
    twin.install()
    yield twin
    twin.mock.stop()
    twin.mock.reset()


def test_the_stripe_twin_charges_once_per_key_and_finds_the_charge_again(stripe_twin):
    from bookings.payments.stripe import StripeProvider
    from travelguru.money import Money

    provider = StripeProvider()
    charge = provider.charge(
        amount=Money.of("210.00", "EUR"),
        token="tok_visa",
        idempotency_key="travelguru-payment-7",
        description="trip",
    )
    again = provider.charge(
        amount=Money.of("210.00", "EUR"),
        token="tok_visa",
        idempotency_key="travelguru-payment-7",
        description="trip",
    )
    found = provider.find_charge(idempotency_key="travelguru-payment-7")

    assert charge.succeeded
    assert charge.amount.amount == Decimal("210.00")
    assert again.ref == charge.ref
    assert found is not None
    assert found.ref == charge.ref
    assert len(stripe_twin.intents) == 1
    assert json.loads(json.dumps(stripe_twin.intents[charge.ref]))["object"] == "payment_intent"


def test_the_stripe_twin_declines_stripes_declined_test_card(stripe_twin):
    from bookings.payments.base import PaymentDeclined
    from bookings.payments.stripe import StripeProvider
    from travelguru.money import Money

    with pytest.raises(PaymentDeclined):
        StripeProvider().charge(
            amount=Money.of("10.00", "EUR"),
            token="tok_chargeDeclined",
            idempotency_key="k2",
            description="trip",
        )


# ---- the Lambda twin's own answers ------------------------------------------------------


def test_provisioned_concurrency_is_kept_as_configuration_and_ready_at_once(tmp_path):
    from infra.rehearse.lambda_twin import LambdaTwin

    twin = LambdaTwin(moto_url="http://127.0.0.1:9", workdir=tmp_path, runtime_env={})
    path = "/2019-09-30/functions/travelguru-prod/provisioned-concurrency?Qualifier=3"

    before, _, _ = twin.handle("GET", path, {}, b"")
    put, _, _ = twin.handle(
        "PUT", path, {}, json.dumps({"ProvisionedConcurrentExecutions": 2}).encode()
    )
    status, _, body = twin.handle("GET", path, {}, b"")

    assert (before, put, status) == (404, 202, 200)
    assert json.loads(body)["Status"] == "READY"
    assert json.loads(body)["AllocatedProvisionedConcurrentExecutions"] == 2


def test_an_older_versions_code_is_downloadable_where_get_function_points(tmp_path):
    import base64
    import hashlib

    from infra.rehearse.lambda_twin import LambdaTwin

    twin = LambdaTwin(moto_url="http://127.0.0.1:9", workdir=tmp_path, runtime_env={})
    twin.url = "http://127.0.0.1:9"
    code = b"PK older zip"
    twin._keep_code({"ZipFile": base64.b64encode(code).decode()})
    sha = base64.b64encode(hashlib.sha256(code).digest()).decode()

    answer = twin._point_location_here(json.dumps({"Configuration": {"CodeSha256": sha}}).encode())
    location = json.loads(answer)["Code"]["Location"]
    status, _, body = twin.handle("GET", location.removeprefix(twin.url), {}, b"")

    assert (status, body) == (200, code)
