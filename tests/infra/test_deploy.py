"""The deploy command (infra/deploy.py) against moto in-process; Stubber where moto has no
such API (Lambda's account settings, CloudSearch) or where a failure must be staged."""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from infra import deploy

REGION = "eu-west-1"
CONTRACT_STEPS = (
    "preflight",
    "storage",
    "network",
    "database",
    "secrets",
    "app-role",
    "zappa-settings",
    "search",
    "function",
    "migrate",
    "collectstatic",
    "app-api",
    "edge-waf",
    "edge",
    "publish-frontend",
    "search-sync",
    "health",
)
STRIPE = {
    "STRIPE_SECRET_KEY": "sk_test_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
}
# Outputs only: the zappa-settings step reads the network stack, never its resources.
NETWORK_TEMPLATE = """
Resources:
  Topic: {Type: "AWS::SNS::Topic"}
Outputs:
  PrivateSubnetA: {Value: subnet-aaaa1111}
  PrivateSubnetB: {Value: subnet-bbbb2222}
  LambdaSecurityGroup: {Value: sg-cccc3333}
"""


@pytest.fixture
def aws(monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name == "AWS_PROFILE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def issued_certificate(region: str, domain: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return boto3.client("acm", region_name=region).import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )["CertificateArn"]


def recording_into(deployed: list[dict[str, str]]) -> Any:
    """A stand-in for `deploy_stack` that keeps each stack's parameters."""

    def deploy_stack(name: str, params: dict[str, str]) -> dict[str, str]:
        deployed.append(params)
        return {}

    return deploy_stack


def make_config(**changes: Any) -> deploy.StageConfig:
    values: dict[str, Any] = {
        "stage": "prod",
        "region": REGION,
        "edge_region": "us-east-1",
        "site_domain": "travelguru.example",
        "api_domain": "api.travelguru.example",
        "api_certificate_arn": "",
        "site_certificate_arn": "",
        "alarm_email": "ops@travelguru.example",
        "zappa_overrides": {"provisioned_concurrency": None},
    }
    values.update(changes)
    return deploy.StageConfig(**values)


def with_certificates(**changes) -> deploy.StageConfig:
    return make_config(
        api_certificate_arn=issued_certificate(REGION, "api.travelguru.example"),
        site_certificate_arn=issued_certificate("us-east-1", "travelguru.example"),
        **changes,
    )


def new_deploy(config: deploy.StageConfig, tmp_path: Path, **kwargs) -> deploy.Deploy:
    return deploy.Deploy(
        config,
        out=io.StringIO(),
        settings_path=tmp_path / "deploy" / "zappa_settings.json",
        health_delay=0,
        **kwargs,
    )


def account_settings(
    d: deploy.Deploy, *, limit: int, unreserved: int, reserved_here: int | None = None
) -> Stubber:
    """moto has no GetAccountSettings: the account's Lambda quota, stubbed."""
    stub = Stubber(d.client("lambda"))
    stub.add_response(
        "get_account_settings",
        {
            "AccountLimit": {
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": unreserved,
            }
        },
    )
    if reserved_here is None:
        stub.add_client_error(
            "get_function_concurrency", "ResourceNotFoundException", http_status_code=404
        )
    else:
        stub.add_response(
            "get_function_concurrency", {"ReservedConcurrentExecutions": reserved_here}
        )
    stub.activate()
    return stub


def put_app_secret(values: dict[str, str]) -> None:
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="travelguru/prod/django", SecretString=json.dumps(values)
    )


def app_secret() -> dict[str, str]:
    raw = boto3.client("secretsmanager", region_name=REGION).get_secret_value(
        SecretId="travelguru/prod/django"
    )["SecretString"]
    return json.loads(raw)


# ---- the order ----------------------------------------------------------------------


def test_steps_run_in_the_contracts_order():
    assert deploy.STEP_NAMES == CONTRACT_STEPS


def test_resume_skips_earlier_steps_and_a_failure_names_the_step_and_the_resume_command(
    monkeypatch, capsys
):
    ran: list[str] = []

    def fake(name):
        def step(d):
            ran.append(name)
            if name == "edge":
                raise deploy.DeployError("CloudFront said no")

        return step

    monkeypatch.setattr(deploy, "STEPS", tuple((name, fake(name)) for name in CONTRACT_STEPS))

    assert deploy.main(["deploy", "--stage", "prod", "--from", "app-api"]) == 1

    out = capsys.readouterr().out
    assert ran == ["preflight", "app-api", "edge-waf", "edge"]  # preflight always; none after
    assert "[2/17] storage ... skipped (--from app-api)" in out
    assert "[12/17] app-api ... ok (" in out
    assert "[14/17] edge ... FAILED" in out
    assert "Step 'edge' failed: CloudFront said no" in out
    assert "make deploy STAGE=prod FROM=edge" in out


def test_an_unexpected_exception_is_reported_with_its_step_too(monkeypatch, capsys, tmp_path):
    config = tmp_path / "stage.json"
    config.write_text((deploy.ROOT / "infra" / "stages" / "dev.json").read_text())

    def broken(d):
        raise KeyError("LogBucketArn")

    steps = tuple((n, broken if n == "network" else (lambda d: None)) for n in CONTRACT_STEPS)
    monkeypatch.setattr(deploy, "STEPS", steps)

    assert deploy.main(["deploy", "--stage", "dev", "--config", str(config)]) == 1

    out = capsys.readouterr().out
    assert "Step 'network' failed: KeyError: 'LogBucketArn'" in out
    # make passes no --config, so the resume command is the script's own
    assert f"-m infra.deploy deploy --stage dev --config {config} --from network" in out
    assert "[4/17] database" not in out


# ---- preflight ------------------------------------------------------------------------


def test_preflight_refuses_a_concurrency_quota_that_would_leave_under_100_unreserved(aws, tmp_path):
    d = new_deploy(with_certificates(), tmp_path)
    account_settings(d, limit=10, unreserved=10)

    with pytest.raises(deploy.DeployError) as failure:
        deploy.step_preflight(d)

    message = str(failure.value)
    # prod reserves 40 (zappa_settings.json): the operator sees every number involved
    assert "account limit 10, unreserved 10" in message
    assert "lambda_concurrency 40 would leave -30 unreserved" in message
    assert "at least 100" in message
    assert "Ask for at least 140" in message


def test_preflight_refuses_a_reservation_that_leaves_fewer_than_100_even_when_positive(
    aws, tmp_path
):
    d = new_deploy(with_certificates(), tmp_path)
    account_settings(d, limit=1000, unreserved=120)

    with pytest.raises(deploy.DeployError, match="would leave 80 unreserved"):
        deploy.step_preflight(d)


def test_preflight_passes_on_an_account_with_room(aws, tmp_path):
    d = new_deploy(with_certificates(), tmp_path)
    account_settings(d, limit=1000, unreserved=1000)

    assert deploy.preflight_problems(d) == []


def test_a_release_counts_the_functions_own_reservation_as_available(aws, tmp_path):
    # 100 unreserved with the function already holding its 40: re-reserving 40 leaves 100.
    d = new_deploy(with_certificates(), tmp_path)
    account_settings(d, limit=140, unreserved=100, reserved_here=40)

    assert deploy.preflight_problems(d) == []


def test_preflight_refuses_a_certificate_still_pending_validation(aws, tmp_path):
    pending = boto3.client("acm", region_name=REGION).request_certificate(
        DomainName="api.travelguru.example", ValidationMethod="DNS"
    )["CertificateArn"]
    config = make_config(
        api_certificate_arn=pending,
        site_certificate_arn=issued_certificate("us-east-1", "travelguru.example"),
    )
    d = new_deploy(config, tmp_path)
    account_settings(d, limit=1000, unreserved=1000)

    problems = deploy.preflight_problems(d)

    assert len(problems) == 1
    assert pending in problems[0]
    assert "PENDING_VALIDATION, not ISSUED" in problems[0]


def test_preflight_refuses_a_certificate_from_another_region(aws, tmp_path):
    # CloudFront takes its certificate from us-east-1 only: one issued in the app's region
    # is "not found" where it is looked up.
    config = make_config(
        api_certificate_arn=issued_certificate(REGION, "api.travelguru.example"),
        site_certificate_arn=issued_certificate(REGION, "travelguru.example"),
    )
    d = new_deploy(config, tmp_path)
    account_settings(d, limit=1000, unreserved=1000)

    problems = deploy.preflight_problems(d)

    assert [p.split(" ")[0] for p in problems] == ["site_certificate_arn"]
    assert "not found in us-east-1" in problems[0]


def test_preflight_names_the_stripe_keys_missing_from_the_app_secret(aws, tmp_path):
    put_app_secret(
        {"DJANGO_SECRET_KEY": "k" * 50, "STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
    )
    d = new_deploy(with_certificates(), tmp_path)
    account_settings(d, limit=1000, unreserved=1000)

    problems = deploy.preflight_problems(d)

    assert len(problems) == 1
    lacks = "lacks STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PUBLISHABLE_KEY"
    assert f"travelguru/prod/django {lacks}" in problems[0]


def test_preflight_on_a_new_account_does_not_ask_for_a_secret_no_stack_created_yet(aws, tmp_path):
    d = new_deploy(with_certificates(), tmp_path)
    account_settings(d, limit=1000, unreserved=1000)

    assert deploy.preflight_problems(d) == []


# ---- secrets ---------------------------------------------------------------------------


def test_the_origin_secret_is_generated_once_and_kept_on_the_next_run(aws, tmp_path):
    put_app_secret({"DJANGO_SECRET_KEY": "k" * 50, **STRIPE})
    d = new_deploy(make_config(), tmp_path)

    deploy.step_secrets(d)
    first = app_secret()
    deploy.step_secrets(d)
    second = app_secret()

    assert len(first["ORIGIN_VERIFY_SECRET"]) == 64
    int(first["ORIGIN_VERIFY_SECRET"], 16)  # hex
    assert second["ORIGIN_VERIFY_SECRET"] == first["ORIGIN_VERIFY_SECRET"]
    assert second["DJANGO_SECRET_KEY"] == "k" * 50
    assert {k: second[k] for k in STRIPE} == STRIPE


def test_the_secrets_step_refuses_to_continue_without_stripes_keys(aws, tmp_path):
    put_app_secret({"DJANGO_SECRET_KEY": "k" * 50, "STRIPE_SECRET_KEY": "sk_live_x"})
    d = new_deploy(make_config(), tmp_path)

    with pytest.raises(
        deploy.DeployError, match="lacks STRIPE_WEBHOOK_SECRET, STRIPE_PUBLISHABLE_KEY"
    ):
        deploy.step_secrets(d)
    # the origin secret is in place already: the operator only adds Stripe's keys
    assert len(app_secret()["ORIGIN_VERIFY_SECRET"]) == 64


# ---- Zappa's settings -------------------------------------------------------------------


def test_zappa_settings_take_the_network_stacks_outputs_and_the_overrides(aws, tmp_path):
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="travelguru-prod-network", TemplateBody=NETWORK_TEMPLATE
    )
    config = make_config(zappa_overrides={"provisioned_concurrency": None, "memory_size": 2048})
    d = new_deploy(config, tmp_path)

    deploy.step_zappa_settings(d)

    written = json.loads(d.settings_path.read_text())
    assert list(written) == ["prod"]
    prod = written["prod"]
    assert prod["vpc_config"] == {
        "SubnetIds": ["subnet-aaaa1111", "subnet-bbbb2222"],
        "SecurityGroupIds": ["sg-cccc3333"],
    }
    assert "provisioned_concurrency" not in prod
    assert prod["memory_size"] == 2048
    assert prod["aws_region"] == REGION
    assert "extends" not in prod
    assert prod["lambda_concurrency"] == 40  # the stage's own
    assert prod["debug"] is False  # from base
    assert len(prod["events"]) == len(
        json.loads(deploy.ZAPPA_SETTINGS.read_text())["base"]["events"]
    )


def test_a_null_override_removes_a_key_the_base_stage_sets():
    settings = {"base": {"keep_warm": True, "timeout_seconds": 60}, "dev": {"extends": "base"}}

    flat = deploy.zappa_stage_settings(
        settings, stage="dev", overrides={"keep_warm": None}, region=REGION
    )

    assert flat == {"timeout_seconds": 60, "aws_region": REGION}


def test_a_placeholder_naming_an_output_the_stack_lacks_fails_naming_it():
    with pytest.raises(deploy.DeployError, match="has no output PrivateSubnetC"):
        deploy.resolve_placeholders(
            {"SubnetIds": ["<network-prod:PrivateSubnetC>"]},
            stage="prod",
            outputs_of=lambda stack: {"PrivateSubnetA": "subnet-1"},
        )


# ---- search settings --------------------------------------------------------------------


def ssm_values() -> dict[str, str]:
    params = boto3.client("ssm", region_name=REGION).get_parameters_by_path(
        Path="/travelguru/prod/", Recursive=True
    )["Parameters"]
    return {p["Name"].rsplit("/", 1)[1]: p["Value"] for p in params}


def test_search_local_writes_the_backend_and_creates_no_stack(aws, tmp_path):
    d = new_deploy(make_config(search="local"), tmp_path)

    deploy.step_search(d)

    assert ssm_values() == {"SEARCH_BACKEND": "local"}
    stacks = boto3.client("cloudformation", region_name=REGION).list_stacks()["StackSummaries"]
    assert stacks == []


def test_search_cloudsearch_writes_the_domains_endpoints(aws, tmp_path):
    d = new_deploy(make_config(search="cloudsearch"), tmp_path)
    stub = Stubber(d.client("cloudsearch"))  # moto has no CloudSearch
    stub.add_response(
        "describe_domains",
        {
            "DomainStatusList": [
                {
                    "DomainId": "123456789012/travelguru-prod",
                    "DomainName": "travelguru-prod",
                    "Created": True,
                    "Deleted": False,
                    "RequiresIndexDocuments": False,
                    "SearchService": {
                        "Endpoint": "search-travelguru-prod-abc.eu-west-1.cloudsearch.amazonaws.com"
                    },
                    "DocService": {
                        "Endpoint": "doc-travelguru-prod-abc.eu-west-1.cloudsearch.amazonaws.com"
                    },
                }
            ]
        },
        {"DomainNames": ["travelguru-prod"]},
    )
    stub.activate()

    deploy.write_search_parameters(d, domain="travelguru-prod")

    assert ssm_values() == {
        "SEARCH_BACKEND": "cloudsearch",
        "CLOUDSEARCH_SEARCH_ENDPOINT": "https://search-travelguru-prod-abc.eu-west-1.cloudsearch.amazonaws.com",
        "CLOUDSEARCH_DOCUMENT_ENDPOINT": "https://doc-travelguru-prod-abc.eu-west-1.cloudsearch.amazonaws.com",
    }


def refused_search_stack(name: str, params: dict[str, str]) -> dict[str, str]:
    raise deploy.DeployError(
        "travelguru-prod-search did not complete (ROLLBACK_COMPLETE):\n"
        "  SearchDomain (Custom::SearchDomain): CloudSearch is not available to new customers"
    )


def domains_answer(d: deploy.Deploy, domains: list[dict[str, Any]]) -> Stubber:
    stub = Stubber(d.client("cloudsearch"))  # moto has no CloudSearch
    stub.add_response(
        "describe_domains", {"DomainStatusList": domains}, {"DomainNames": ["travelguru-prod"]}
    )
    stub.activate()
    return stub


def test_an_account_that_cannot_create_a_domain_runs_search_on_the_database(
    aws, tmp_path, monkeypatch
):
    d = new_deploy(make_config(search="cloudsearch"), tmp_path)
    monkeypatch.setattr(d, "deploy_stack", refused_search_stack)
    domains_answer(d, [])

    deploy.step_search(d)

    assert ssm_values() == {"SEARCH_BACKEND": "local"}
    said = "\n".join(d.notes)
    assert "search runs on the database" in said
    assert "not available to new customers" in said  # the operator sees why


def test_a_domain_that_exists_but_failed_later_stops_the_run(aws, tmp_path, monkeypatch):
    d = new_deploy(make_config(search="cloudsearch"), tmp_path)
    monkeypatch.setattr(d, "deploy_stack", refused_search_stack)
    domains_answer(
        d,
        [
            {
                "DomainId": "123456789012/travelguru-prod",
                "DomainName": "travelguru-prod",
                "Created": True,
                "Deleted": False,
                "RequiresIndexDocuments": True,
            }
        ],
    )

    with pytest.raises(deploy.DeployError, match="did not complete"):
        deploy.step_search(d)

    assert ssm_values() == {}


def test_the_search_stack_gets_the_index_fields_as_compact_json():
    fields = json.loads(deploy.index_fields_json())

    assert fields == json.loads(deploy.INDEX_FIELDS.read_text())["IndexFields"]
    assert ", " not in deploy.index_fields_json()


# ---- stacks -------------------------------------------------------------------------------


def test_a_stack_is_created_then_updated_and_its_outputs_returned(aws, tmp_path):
    d = new_deploy(make_config(), tmp_path)

    first = d.deploy_stack("storage", {"Stage": "prod"})
    second = d.deploy_stack("storage", {"Stage": "prod"})

    assert first["FrontendBucket"] == second["FrontendBucket"]
    assert first["LogBucketArn"].startswith("arn:aws:s3:::")
    stacks = boto3.client("cloudformation", region_name=REGION).describe_stacks()["Stacks"]
    assert [(s["StackName"], s["StackStatus"]) for s in stacks] == [
        ("travelguru-prod-storage", "UPDATE_COMPLETE")
    ]


def stack(status: str, outputs: dict[str, str] | None = None) -> dict:
    return {
        "Stacks": [
            {
                "StackName": "travelguru-prod-edge-waf",
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": status,
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in (outputs or {}).items()],
            }
        ]
    }


def test_no_updates_to_perform_counts_as_done(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    d = new_deploy(make_config(), tmp_path)
    cfn = d.client("cloudformation", region="us-east-1")
    stub = Stubber(cfn)
    stub.add_response("describe_stacks", stack("CREATE_COMPLETE"))
    stub.add_client_error(
        "update_stack", "ValidationError", "No updates are to be performed.", http_status_code=400
    )
    stub.add_response("describe_stacks", stack("CREATE_COMPLETE", {"WebAclArn": "arn:acl"}))
    stub.activate()

    outputs = d.deploy_stack("edge-waf", {"Stage": "prod"})

    assert outputs == {"WebAclArn": "arn:acl"}
    assert d.notes == ["travelguru-prod-edge-waf: no changes"]
    stub.assert_no_pending_responses()


def test_a_failed_stack_reports_the_reasons_of_its_failed_events(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    d = new_deploy(make_config(), tmp_path)
    cfn = d.client("cloudformation", region="us-east-1")
    stub = Stubber(cfn)
    stub.add_client_error(
        "describe_stacks",
        "ValidationError",
        "Stack with id travelguru-prod-edge-waf does not exist",
    )
    stub.add_response("create_stack", {"StackId": "arn:aws:cloudformation:us-east-1:1:stack/x/1"})
    stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
    now = datetime.datetime.now(datetime.UTC)
    event = {"StackId": "s", "EventId": "e", "StackName": "travelguru-prod-edge-waf"}
    stub.add_response(
        "describe_stack_events",
        {
            "StackEvents": [
                {
                    **event,
                    "Timestamp": now,
                    "LogicalResourceId": "travelguru-prod-edge-waf",
                    "ResourceStatus": "ROLLBACK_COMPLETE",
                },
                {
                    **event,
                    "Timestamp": now,
                    "LogicalResourceId": "EdgeWebAcl",
                    "ResourceType": "AWS::WAFv2::WebACL",
                    "ResourceStatus": "CREATE_FAILED",
                    "ResourceStatusReason": "Scope CLOUDFRONT is only valid in us-east-1",
                },
                {  # an earlier attempt's failure, already dealt with
                    **event,
                    "Timestamp": now - datetime.timedelta(days=3),
                    "LogicalResourceId": "OldAcl",
                    "ResourceType": "AWS::WAFv2::WebACL",
                    "ResourceStatus": "UPDATE_FAILED",
                    "ResourceStatusReason": "last week's problem",
                },
            ]
        },
    )
    stub.activate()

    with pytest.raises(deploy.DeployError) as failure:
        d.deploy_stack("edge-waf", {"Stage": "prod"})

    assert "did not complete (ROLLBACK_COMPLETE)" in str(failure.value)
    assert "EdgeWebAcl (AWS::WAFv2::WebACL): Scope CLOUDFRONT is only valid in us-east-1" in str(
        failure.value
    )
    assert "last week" not in str(failure.value)


# ---- the function ----------------------------------------------------------------------


@pytest.fixture
def fake_zappa(tmp_path) -> Path:
    """Zappa's CLI stand-in: records its arguments, as the real one would receive them."""
    script = tmp_path / "venv" / "bin" / "zappa"
    script.parent.mkdir(parents=True)
    script.write_text(
        f'#!/bin/sh\necho "$@" >> {tmp_path}/zappa-calls\necho "VIRTUAL_ENV=$VIRTUAL_ENV"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def lambda_function() -> None:
    role = boto3.client("iam").create_role(
        RoleName="travelguru-prod-lambda", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="travelguru-prod",
        Runtime="python3.11",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )


def test_the_first_deploy_runs_zappa_deploy_and_a_release_zappa_update(aws, tmp_path, fake_zappa):
    package = tmp_path / "travelguru-prod.zip"
    package.write_bytes(b"zip")
    d = new_deploy(make_config(), tmp_path, zip_path=package, zappa=fake_zappa)
    d.settings_path.parent.mkdir(parents=True)
    d.settings_path.write_text("{}")

    deploy.step_function(d)
    lambda_function()
    deploy.step_function(d)

    calls = (tmp_path / "zappa-calls").read_text().splitlines()
    settings = f"-s {d.settings_path} --disable_progress"
    assert calls == [
        f"deploy prod --zip {package} {settings}",
        f"update prod --zip {package} {settings}",
    ]


def test_the_function_step_refuses_to_run_without_the_package(aws, tmp_path, fake_zappa):
    d = new_deploy(make_config(), tmp_path, zip_path=tmp_path / "missing.zip", zappa=fake_zappa)

    with pytest.raises(deploy.DeployError, match="make package STAGE=prod"):
        deploy.step_function(d)


def invoke_response(
    d: deploy.Deploy, *, payload: str, log: str, error: str | None = None
) -> Stubber:
    stub = Stubber(d.client("lambda", read_timeout=900, retries=1))
    response = {
        "StatusCode": 200,
        "Payload": io.BytesIO(payload.encode()),
        "LogResult": base64.b64encode(log.encode()).decode(),
    }
    if error:
        response["FunctionError"] = error
    stub.add_response(
        "invoke",
        response,
        {
            "FunctionName": "travelguru-prod",
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": b'{"manage": "migrate --noinput"}',
        },
    )
    stub.activate()
    return stub


def test_migrate_runs_zappas_manage_event_in_the_function(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    d = new_deploy(make_config(), tmp_path)
    stub = invoke_response(d, payload="{}", log="Operations to perform:\n  No migrations to apply.")

    deploy.step_migrate(d)

    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("payload", "log", "error"),
    [
        ('{"errorMessage": "no such table", "errorType": "OperationalError"}', "", "Unhandled"),
        ("null", "Traceback (most recent call last):\n  File ...\nImproperlyConfigured: X", None),
    ],
)
def test_a_failed_migration_fails_the_step_with_the_functions_error(
    tmp_path, monkeypatch, payload, log, error
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    d = new_deploy(make_config(), tmp_path)
    invoke_response(d, payload=payload, log=log, error=error)

    with pytest.raises(deploy.DeployError) as failure:
        deploy.step_migrate(d)

    assert "migrate --noinput" in str(failure.value)
    assert ("no such table" in str(failure.value)) or (
        "ImproperlyConfigured: X" in str(failure.value)
    )


# ---- health ------------------------------------------------------------------------------


@pytest.fixture
def site():
    answers: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status = answers.pop(0) if answers else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/healthz", answers
    server.shutdown()


def test_the_health_check_retries_until_the_site_answers_200(tmp_path, site):
    url, answers = site
    answers += [503, 502]
    d = new_deploy(make_config(health_url=url), tmp_path)

    deploy.health_check(d)

    assert answers == []


def test_the_health_check_fails_when_the_site_keeps_failing(tmp_path, site):
    url, answers = site
    answers += [500] * 10
    d = new_deploy(make_config(health_url=url), tmp_path, health_attempts=3)

    with pytest.raises(deploy.DeployError, match="did not answer 200 after 3 tries: HTTP 500"):
        deploy.health_check(d)


def test_the_health_url_defaults_to_the_sites_healthz():
    assert make_config().public_health_url == "https://travelguru.example/healthz"


# ---- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_shipped_stage_configs_load_and_default_to_local_search(stage):
    config = deploy.load_config(deploy.ROOT / "infra" / "stages" / f"{stage}.json", stage=stage)

    assert config.search == "local"
    assert config.edge_region == "us-east-1"
    assert config.api_certificate_arn.startswith(f"arn:aws:acm:{config.region}:")
    assert config.site_certificate_arn.startswith("arn:aws:acm:us-east-1:")


def test_a_config_missing_keys_is_refused_naming_them(tmp_path):
    path = tmp_path / "prod.json"
    path.write_text(json.dumps({"region": REGION, "site_domain": "x.example"}))

    with pytest.raises(
        deploy.DeployError,
        match="lacks api_domain, api_certificate_arn, site_certificate_arn, alarm_email",
    ):
        deploy.load_config(path, stage="prod")


# ---- the front-end --------------------------------------------------------------------------


def distribution() -> str:
    return boto3.client("cloudfront", region_name="us-east-1").create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "frontend",
                        "DomainName": "travelguru-prod-frontend.s3.eu-west-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "frontend",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]["Id"]


def test_the_front_end_is_published_from_here_and_index_html_invalidated(aws, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<meta name="tg-api-base" content=""><div id="app"></div>')
    (dist / "assets" / "index-AbCdEf12.js").write_text("console.log(1)")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="travelguru-prod-frontend",
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    d = new_deploy(make_config(), tmp_path, frontend_dist=dist)
    distribution_id = distribution()
    d._outputs = {
        "storage": {"FrontendBucket": "travelguru-prod-frontend"},
        "edge": {"DistributionId": distribution_id},
    }

    deploy.step_publish_frontend(d)

    index = s3.get_object(Bucket="travelguru-prod-frontend", Key="index.html")
    asset = s3.head_object(Bucket="travelguru-prod-frontend", Key="assets/index-AbCdEf12.js")
    assert index["CacheControl"] == "no-cache"
    assert asset["CacheControl"] == "public, max-age=31536000, immutable"
    invalidations = boto3.client("cloudfront", region_name="us-east-1").list_invalidations(
        DistributionId=distribution_id
    )["InvalidationList"]["Items"]
    assert len(invalidations) == 1


def test_publishing_without_a_build_says_how_to_make_one(aws, tmp_path):
    d = new_deploy(make_config(), tmp_path, frontend_dist=tmp_path / "none")
    d._outputs = {"storage": {"FrontendBucket": "b"}, "edge": {"DistributionId": "E1"}}

    with pytest.raises(deploy.DeployError, match="make frontend"):
        deploy.step_publish_frontend(d)


# ---- the API ---------------------------------------------------------------------------------


def test_app_api_deploys_the_api_then_puts_a_new_deployment_on_the_stage(
    aws, tmp_path, monkeypatch
):
    apigw = boto3.client("apigateway", region_name=REGION)
    api = apigw.create_rest_api(name="travelguru-prod")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api, resourceId=root, httpMethod="ANY", type="MOCK", integrationHttpMethod="POST"
    )
    first = apigw.create_deployment(restApiId=api, stageName="prod")["id"]
    d = new_deploy(make_config(), tmp_path)
    deployed: list[dict[str, str]] = []
    monkeypatch.setattr(d, "deploy_stack", recording_into(deployed))
    stub = Stubber(d.client("cloudformation"))
    stub.add_response(
        "describe_stack_resource",
        {
            "StackResourceDetail": {
                "LogicalResourceId": "Api",
                "PhysicalResourceId": api,
                "ResourceType": "AWS::ApiGateway::RestApi",
                "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
                "ResourceStatus": "UPDATE_COMPLETE",
            }
        },
        {"StackName": "travelguru-prod-app", "LogicalResourceId": "Api"},
    )
    stub.activate()

    deploy.step_app_api(d)

    assert deployed[0]["DeployApi"] == "true"
    stage = apigw.get_stage(restApiId=api, stageName="prod")
    assert stage["deploymentId"] != first


def test_a_release_keeps_the_api_when_it_redeploys_the_role(aws, tmp_path, monkeypatch):
    d = new_deploy(make_config(), tmp_path)
    deployed: list[dict[str, str]] = []
    monkeypatch.setattr(d, "deploy_stack", recording_into(deployed))
    existing: dict[str, Any] = {"StackStatus": "UPDATE_COMPLETE", "Parameters": []}
    monkeypatch.setattr(d, "describe_stack", lambda name: existing)

    existing["Parameters"] = [{"ParameterKey": "DeployApi", "ParameterValue": "false"}]
    deploy.step_app_role(d)
    existing["Parameters"] = [{"ParameterKey": "DeployApi", "ParameterValue": "true"}]
    deploy.step_app_role(d)

    assert [p["DeployApi"] for p in deployed] == ["false", "true"]


# ---- every stack gets what its template asks for -------------------------------------------


def test_every_stack_is_given_each_parameter_its_template_requires_and_no_other(
    tmp_path, monkeypatch
):
    from tests.infra.test_templates import template

    d = new_deploy(make_config(search="cloudsearch"), tmp_path)
    passed: dict[str, set[str]] = {}

    def record(name, params):
        passed.setdefault(name, set()).update(params)
        return {"DomainName": "travelguru-prod"}

    monkeypatch.setattr(d, "deploy_stack", record)
    monkeypatch.setattr(d, "describe_stack", lambda name: None)
    monkeypatch.setattr(deploy, "write_search_parameters", lambda d, domain: None)
    d._outputs = {
        "storage": {"LogBucketArn": "arn:aws:s3:::travelguru-prod-logs"},
        "edge-waf": {"WebAclArn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1"},
    }
    for step in (deploy.step_storage, deploy.step_network, deploy.step_database):
        step(d)
    deploy.step_app_role(d)
    deploy.step_search(d)
    deploy.step_edge_waf(d)
    deploy.step_edge(d)

    for name, given in passed.items():
        declared = template(f"{name}.yaml")["Parameters"]
        required = {key for key, spec in declared.items() if "Default" not in spec}
        assert required <= given, f"{name}: not given {sorted(required - given)}"
        assert given <= set(declared), f"{name}: unknown {sorted(given - set(declared))}"
    assert set(passed) == {p.stem for p in (deploy.ROOT / "infra").glob("*.yaml")}


# ---- rollback --------------------------------------------------------------------------------


def test_rollback_runs_zappa_rollback_with_the_written_settings_then_the_health_check(
    aws, tmp_path, fake_zappa, site, monkeypatch, capsys
):
    url, answers = site
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="travelguru-prod-network", TemplateBody=NETWORK_TEMPLATE
    )
    config = tmp_path / "prod.json"
    stage = json.loads((deploy.ROOT / "infra" / "stages" / "prod.json").read_text())
    config.write_text(json.dumps({**stage, "health_url": url}))
    settings = tmp_path / "deploy" / "zappa_settings.json"
    monkeypatch.setattr(deploy, "ZAPPA", fake_zappa)
    monkeypatch.setattr(deploy, "DEPLOY_SETTINGS", settings)

    code = deploy.main(["rollback", "--stage", "prod", "--config", str(config), "--versions", "2"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert (tmp_path / "zappa-calls").read_text().splitlines() == [
        f"rollback prod -n 2 -s {settings} --disable_progress"
    ]
    assert json.loads(settings.read_text())["prod"]["vpc_config"]["SubnetIds"] == [
        "subnet-aaaa1111",
        "subnet-bbbb2222",
    ]
    assert "[3/3] health ... ok" in out


def test_a_rollback_whose_health_check_fails_does_not_say_run_it_again(
    aws, tmp_path, fake_zappa, site, monkeypatch, capsys
):
    url, answers = site
    answers += [503] * 10
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="travelguru-prod-network", TemplateBody=NETWORK_TEMPLATE
    )
    config = tmp_path / "prod.json"
    stage = json.loads((deploy.ROOT / "infra" / "stages" / "prod.json").read_text())
    config.write_text(json.dumps({**stage, "health_url": url}))
    monkeypatch.setattr(deploy, "ZAPPA", fake_zappa)
    monkeypatch.setattr(deploy, "DEPLOY_SETTINGS", tmp_path / "deploy" / "zappa_settings.json")
    monkeypatch.setattr(deploy.Deploy, "__init__", _fast_health(deploy.Deploy.__init__))

    code = deploy.main(["rollback", "--stage", "prod", "--config", str(config)])

    out = capsys.readouterr().out
    assert code == 1
    assert "Step 'health' failed" in out
    assert "a rollback run again goes further back" in out
    assert "resume with" not in out.lower()


def _fast_health(init):
    def fast(self, *args, **kwargs):
        init(self, *args, **{**kwargs, "health_delay": 0})

    return fast
