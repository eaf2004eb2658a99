"""infra/search.yaml's custom resource: the CloudSearch domain and its index fields."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from tests.infra.test_templates import template

ROOT = Path(__file__).parents[2]
FIELDS = json.loads((ROOT / "infra/cloudsearch/index-fields.json").read_text())["IndexFields"]
ROLE = "arn:aws:iam::123456789012:role/travelguru-prod-lambda"
ONLY_THE_FUNCTION = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [ROLE]},
                "Action": ["cloudsearch:search", "cloudsearch:suggest", "cloudsearch:document"],
            }
        ],
    }
)


@pytest.fixture
def setup_function(monkeypatch):
    """The inline function of the template, with cfnresponse recorded and AWS stubbed."""
    sent: list[tuple] = []
    cfnresponse = types.ModuleType("cfnresponse")
    cfnresponse.SUCCESS, cfnresponse.FAILED = "SUCCESS", "FAILED"
    cfnresponse.send = lambda event, context, status, data, physical_id=None: sent.append(
        (status, data, physical_id)
    )
    monkeypatch.setitem(sys.modules, "cfnresponse", cfnresponse)
    client = boto3.client(
        "cloudsearch",
        region_name="eu-west-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    stubber = Stubber(client)
    monkeypatch.setattr(boto3, "client", lambda service: client)
    code = template("search.yaml")["Resources"]["DomainFunction"]["Properties"]["Code"]["ZipFile"]
    module = types.ModuleType("index")
    exec(compile(code, "index.py", "exec"), module.__dict__)  # noqa: S102 (our template)
    with stubber:
        yield module, stubber, sent


def _event(kind: str) -> dict:
    return {
        "RequestType": kind,
        "ResourceProperties": {
            "DomainName": "travelguru-prod",
            "InstanceType": "search.small",
            "IndexFields": json.dumps(FIELDS, separators=(",", ":")),
            "AccessRoleArn": ROLE,
        },
    }


def _status(name: str) -> dict:
    return {
        "DomainId": "123456789012/" + name,
        "DomainName": name,
        "RequiresIndexDocuments": False,
    }


def test_create_makes_an_https_domain_only_the_function_can_use_with_every_field(
    setup_function,
):
    module, stubber, sent = setup_function
    name = "travelguru-prod"
    stubber.add_response("create_domain", {"DomainStatus": _status(name)}, {"DomainName": name})
    stubber.add_response(
        "update_scaling_parameters",
        {"ScalingParameters": {"Options": {}, "Status": _option_status()}},
        {"DomainName": name, "ScalingParameters": {"DesiredInstanceType": "search.small"}},
    )
    stubber.add_response(
        "update_domain_endpoint_options",
        {},
        {
            "DomainName": name,
            "DomainEndpointOptions": {
                "EnforceHTTPS": True,
                "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07",
            },
        },
    )
    stubber.add_response(
        "update_service_access_policies",
        {"AccessPolicies": {"Options": "{}", "Status": _option_status()}},
        {"DomainName": name, "AccessPolicies": ONLY_THE_FUNCTION},
    )
    for field in FIELDS:
        stubber.add_response(
            "define_index_field",
            {"IndexField": {"Options": field, "Status": _option_status()}},
            {"DomainName": name, "IndexField": field},
        )
    stubber.add_response("index_documents", {"FieldNames": []}, {"DomainName": name})

    module.handler(_event("Create"), None)

    stubber.assert_no_pending_responses()
    assert sent == [("SUCCESS", {"DomainName": name, "Fields": str(len(FIELDS))}, name)]


def test_a_refused_field_fails_the_stack_and_does_not_reindex(setup_function):
    module, stubber, sent = setup_function
    name = "travelguru-prod"
    stubber.add_response("create_domain", {"DomainStatus": _status(name)})
    stubber.add_response(
        "update_scaling_parameters",
        {"ScalingParameters": {"Options": {}, "Status": _option_status()}},
    )
    stubber.add_response("update_domain_endpoint_options", {})
    stubber.add_response(
        "update_service_access_policies",
        {"AccessPolicies": {"Options": "{}", "Status": _option_status()}},
    )
    stubber.add_client_error("define_index_field", "InvalidType", "bad field")

    module.handler(_event("Update"), None)

    assert len(sent) == 1
    assert sent[0][0] == "FAILED"
    assert "bad field" in sent[0][1]["Error"]
    stubber.assert_no_pending_responses()  # index_documents was never queued nor called


def test_delete_keeps_the_domain(setup_function):
    module, stubber, sent = setup_function

    module.handler(_event("Delete"), None)  # the stubber has no answer: any call would fail

    assert sent == [("SUCCESS", {}, "travelguru-prod")]


def test_the_domain_is_the_one_the_function_role_may_use():
    properties = template("search.yaml")["Resources"]["SearchDomain"]["Properties"]
    app_role = template("app.yaml")["Resources"]["LambdaRole"]["Properties"]["RoleName"]

    assert app_role == {"Fn::Sub": "travelguru-${Stage}-lambda"}
    assert properties["AccessRoleArn"]["Fn::Sub"].endswith(":role/travelguru-${Stage}-lambda")
    assert properties["DomainName"] == {"Fn::Sub": "travelguru-${Stage}"}


def _option_status() -> dict:
    return {
        "CreationDate": "2026-11-25T10:00:00Z",
        "UpdateDate": "2026-11-25T10:00:00Z",
        "State": "Processing",
    }
