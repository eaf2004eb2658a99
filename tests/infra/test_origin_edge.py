"""Only CloudFront reaches the API, it tells the app who the viewer is, and WAF limits
each viewer where it can see one: infra/edge.yaml, infra/edge-waf.yaml and app.yaml's WAF."""

from __future__ import annotations

import pytest

from tests.infra.test_templates import ROOT, load, template

EDGE = template("edge.yaml")
RESOURCES = EDGE["Resources"]
CONFIG = RESOURCES["Distribution"]["Properties"]["DistributionConfig"]
# The app reads ORIGIN_VERIFY_SECRET from its secret; the templates must read the same key.
APP_SECRET_NAME = template("database.yaml")["Resources"]["AppSecret"]["Properties"]["Name"]
SECRET_REFERENCE = {
    "Fn::Sub": "{{resolve:secretsmanager:"
    + APP_SECRET_NAME["Fn::Sub"]
    + ":SecretString:ORIGIN_VERIFY_SECRET}}"
}


def _api_behaviours() -> list[dict]:
    return [b for b in CONFIG["CacheBehaviors"] if b["TargetOriginId"] == "api"]


def test_cloudfront_sends_the_origin_secret_from_the_app_secret_to_the_api_only():
    origins = {o["Id"]: o for o in CONFIG["Origins"]}

    assert origins["api"]["OriginCustomHeaders"] == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": SECRET_REFERENCE}
    ]
    # The buckets never see it (nor does any log of theirs).
    assert all("OriginCustomHeaders" not in o for i, o in origins.items() if i != "api")
    # No parameter carries it: the value is never typed, echoed or kept in the repository.
    names = [name.lower() for name in EDGE["Parameters"]]
    assert not any("secret" in name or "verify" in name for name in names)


@pytest.mark.parametrize("path", [b["PathPattern"] for b in _api_behaviours()])
def test_every_way_to_the_api_forwards_cloudfronts_viewer_address(path):
    behaviour = next(b for b in _api_behaviours() if b["PathPattern"] == path)
    policy_name = behaviour["OriginRequestPolicyId"]["Ref"]
    headers = RESOURCES[policy_name]["Properties"]["OriginRequestPolicyConfig"]["HeadersConfig"]

    assert headers["HeaderBehavior"] == "whitelist"
    assert "CloudFront-Viewer-Address" in headers["Headers"]
    # The viewer cannot supply the secret through a forwarded header of its own.
    assert "X-Origin-Verify" not in headers["Headers"]


def test_the_distribution_is_guarded_by_the_cloudfront_web_acl_from_us_east_1():
    assert CONFIG["WebACLId"] == {"Ref": "EdgeWebAclArn"}
    assert ":wafv2:us-east-1:" in EDGE["Parameters"]["EdgeWebAclArn"]["AllowedPattern"]

    waf = load(ROOT / "infra" / "edge-waf.yaml")
    acl = waf["Resources"]["EdgeWebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert waf["Rules"]["CloudFrontRegion"]["Assertions"][0]["Assert"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]
    }
    assert waf["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": "EdgeWebAcl.Arn"}


def test_the_rate_limit_counts_each_viewer_on_the_requests_that_reach_the_function():
    acl = load(ROOT / "infra" / "edge-waf.yaml")["Resources"]["EdgeWebAcl"]["Properties"]
    rate = next(r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"])
    statement = rate["Statement"]["RateBasedStatement"]

    assert rate["Action"] == {"Block": {}}
    # At CloudFront, IP is the viewer's connection; a forwarded header would be the
    # viewer's own words (WAF reads the first address of X-Forwarded-For).
    assert statement["AggregateKeyType"] == "IP"
    assert "ForwardedIPConfig" not in statement
    prefixes = {
        s["ByteMatchStatement"]["SearchString"]
        for s in statement["ScopeDownStatement"]["OrStatement"]["Statements"]
    }
    assert prefixes == {"/api/", "/admin/"}


def test_the_regional_waf_blocks_what_did_not_come_through_cloudfront_and_counts_no_edge_ips():
    app = template("app.yaml")["Resources"]
    rules = app["WebAcl"]["Properties"]["Rules"]
    gate = rules[0]["Fn::If"]
    assert gate[0] == "ApiEnabled"  # read once the API (and the secret's key) exist
    rule = gate[1]
    match = rule["Statement"]["NotStatement"]["Statement"]["ByteMatchStatement"]

    assert rule["Action"] == {"Block": {}}
    assert rule["Priority"] == 0
    assert match["FieldToMatch"] == {"SingleHeader": {"Name": "x-origin-verify"}}
    assert match["PositionalConstraint"] == "EXACTLY"
    assert match["SearchString"] == SECRET_REFERENCE
    assert match["TextTransformations"] == [{"Priority": 0, "Type": "NONE"}]
    # Every request here comes from a CloudFront edge: a per-IP limit would block crowds.
    plain = [r for r in rules if "Statement" in r]
    assert not any("RateBasedStatement" in r["Statement"] for r in plain)


@pytest.mark.parametrize(
    ("file", "logging"), [("app.yaml", "WafLogging"), ("edge-waf.yaml", "EdgeWafLogging")]
)
def test_no_waf_log_holds_the_origin_secret_or_what_travelers_typed(file, logging):
    config = load(ROOT / "infra" / file)["Resources"][logging]["Properties"]
    headers = {f["SingleHeader"]["Name"] for f in config["RedactedFields"] if "SingleHeader" in f}

    assert {"QueryString": {}} in config["RedactedFields"]
    assert headers >= {"authorization", "cookie", "referer", "user-agent", "idempotency-key",
                       "x-session-id"}  # fmt: skip
    if file == "app.yaml":  # CloudFront adds the secret after its own WAF has looked
        assert "x-origin-verify" in headers
