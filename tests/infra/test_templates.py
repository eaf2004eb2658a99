"""infra/*.yaml: what cfn-lint and checkov cannot know about our own rules and settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from travelguru.settings.base import database_from_url

ROOT = Path(__file__).parents[2]
TEMPLATES = sorted((ROOT / "infra").glob("*.yaml"))
ZAPPA = json.loads((ROOT / "zappa_settings.json").read_text())


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, ...) read as {"Ref": ...}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 (SafeLoader subclass)


def resources(kind: str) -> list[tuple[str, str, dict]]:
    found = []
    for path in TEMPLATES:
        for name, resource in load(path)["Resources"].items():
            if resource["Type"] == kind:
                found.append((path.name, name, resource))
    return found


def template(name: str) -> dict:
    return load(ROOT / "infra" / name)


def test_the_stacks_are_the_ones_the_runbook_deploys():
    assert [p.name for p in TEMPLATES] == [
        "app.yaml",
        "database.yaml",
        "edge-waf.yaml",
        "edge.yaml",
        "network.yaml",
        "search.yaml",
        "storage.yaml",
    ]


def test_every_role_carries_a_permissions_boundary_from_its_own_stack():
    roles = resources("AWS::IAM::Role")
    assert len(roles) >= 4

    for file, name, role in roles:
        boundary = role["Properties"].get("PermissionsBoundary")
        assert boundary, f"{file}:{name} has no permissions boundary"
        policies = {n: r for f, n, r in resources("AWS::IAM::ManagedPolicy") if f == file}
        assert boundary["Ref"] in policies, f"{file}:{name} boundary is not a policy of its stack"


def test_no_boundary_allows_iam_or_wildcard_actions():
    for file, name, policy in resources("AWS::IAM::ManagedPolicy"):
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            assert statement["Effect"] == "Allow"
            assert not [a for a in actions if a.startswith(("iam:", "sts:")) or "*" in a], (
                file,
                name,
            )


def test_every_checkov_skip_says_why():
    skips = 0
    for path in TEMPLATES:
        for name, resource in load(path)["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                skips += 1
                assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (path.name, name, skip)
                assert len(skip.get("comment", "").split()) >= 8, (path.name, name, skip)
    assert skips > 0


def test_every_bucket_is_private_and_encrypted_and_data_buckets_are_versioned():
    buckets = {name: b["Properties"] for _, name, b in resources("AWS::S3::Bucket")}

    assert set(buckets) == {
        "LogBucket",
        "FrontendBucket",
        "StaticBucket",
        "MediaBucket",
        "AnalyticsBucket",
        "DeploymentsBucket",
    }
    for name, bucket in buckets.items():
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
    for name in ("MediaBucket", "AnalyticsBucket", "DeploymentsBucket"):
        assert buckets[name]["VersioningConfiguration"] == {"Status": "Enabled"}


@pytest.mark.parametrize(
    ("resource", "api"),
    [
        ("FlightsSearchMethod", "search.apis.flights.FlightSearchApi"),
        ("HotelsSearchMethod", "search.apis.hotels.HotelSearchApi"),
        ("CarsSearchMethod", "search.apis.cars.CarSearchApi"),
    ],
)
def test_search_cache_keys_are_exactly_the_parameters_the_search_reads(resource, api):
    import importlib

    module, _, cls = api.rpartition(".")
    fields = set(getattr(importlib.import_module(module), cls).InputSerializer().fields)
    method = template("app.yaml")["Resources"][resource]["Properties"]

    keys = {k.rpartition(".")[2] for k in method["Integration"]["CacheKeyParameters"]}
    declared = {k.rpartition(".")[2] for k in method["RequestParameters"]}

    # a parameter missing from the key would let two different searches share an answer
    assert keys == fields
    assert declared == fields


def test_only_the_search_endpoints_are_cached_and_every_method_is_throttled():
    settings = template("app.yaml")["Resources"]["ApiStage"]["Properties"]["MethodSettings"]
    cached = {s["ResourcePath"] for s in settings if s["CachingEnabled"]}

    assert cached == {"/~1api~1flights~1search", "/~1api~1hotels~1search", "/~1api~1cars~1search"}
    everything = next(s for s in settings if s["ResourcePath"] == "/*")
    assert everything["HttpMethod"] == "*"
    assert everything["CachingEnabled"] is False
    assert all("ThrottlingRateLimit" in s and "ThrottlingBurstLimit" in s for s in settings)


def test_cluster_defaults_are_the_session_settings_local_mysql_connections_set():
    # Aurora gets them from its parameter group (no SET through the proxy); a local MySQL
    # connection sets them itself in database_from_url. The two must agree.
    options = database_from_url("mysql://app@127.0.0.1:3306/travelguru")["OPTIONS"]
    parameters = template("database.yaml")["Resources"]["ClusterParameters"]["Properties"]

    assert parameters["Parameters"]["transaction_isolation"] == "READ-COMMITTED"
    assert options["isolation_level"] == "read committed"
    assert f"sql_mode='{parameters['Parameters']['sql_mode']}'" in options["init_command"]
    lock_wait = parameters["Parameters"]["innodb_lock_wait_timeout"]
    assert f"innodb_lock_wait_timeout={lock_wait}" in options["init_command"]
    assert parameters["Parameters"]["character_set_server"] == options["charset"]


def test_reserved_concurrency_fits_in_the_proxy_pool():
    # One Lambda instance serves one request at a time and keeps one connection
    # (CONN_MAX_AGE), so reserved concurrency bounds the proxy's client connections.
    # Aurora Serverless v2's max_connections at its smallest (max capacity 1 ACU) is 90;
    # the proxy may use MaxConnectionsPercent of it.
    pool = template("database.yaml")["Resources"]["ProxyTargets"]["Properties"]
    percent = pool["ConnectionPoolConfigurationInfo"]["MaxConnectionsPercent"]

    for stage in ("dev", "prod"):
        assert ZAPPA[stage]["lambda_concurrency"] <= 90 * percent // 100
    assert ZAPPA["prod"]["provisioned_concurrency"] < ZAPPA["prod"]["lambda_concurrency"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_zappa_stage_names_what_the_stacks_create(stage):
    config = ZAPPA[stage]
    network_outputs = set(template("network.yaml")["Outputs"])
    resources_of = {p.name: load(p)["Resources"] for p in TEMPLATES}

    def sub(value: dict) -> str:
        return value["Fn::Sub"].replace("${Stage}", stage)

    assert config["role_name"] == sub(
        resources_of["app.yaml"]["LambdaRole"]["Properties"]["RoleName"]
    )
    assert config["s3_bucket"] == sub(
        resources_of["storage.yaml"]["DeploymentsBucket"]["Properties"]["BucketName"]
    )
    env = config["aws_environment_variables"]
    database = resources_of["database.yaml"]
    assert env["DATABASE_SECRET_ID"] == sub(database["DatabaseSecret"]["Properties"]["Name"])
    assert env["DJANGO_SECRETS_ID"] == sub(database["AppSecret"]["Properties"]["Name"])
    parameters = [
        sub(r["Properties"]["Name"])
        for rs in resources_of.values()
        for r in rs.values()
        if r["Type"] == "AWS::SSM::Parameter"
    ]
    assert {p.rpartition("/")[2] for p in parameters if p.startswith(env["DJANGO_SSM_PATH"])} == {
        "DATABASE_HOST",
        "MEDIA_BUCKET",
        "STATIC_BUCKET",
        "ANALYTICS_BUCKET",
        "FRONTEND_BUCKET",
        "STATIC_HOST",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_CSRF_TRUSTED_ORIGINS",
    }
    # vpc_config holds "<network-STAGE:Output>" until the runbook fills in the real ids
    for placeholder in config["vpc_config"]["SubnetIds"] + config["vpc_config"]["SecurityGroupIds"]:
        match = re.fullmatch(rf"<network-{stage}:(\w+)>", placeholder)
        assert match, placeholder
        assert match.group(1) in network_outputs


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_stage_answers_a_crash_with_its_traceback(stage):
    # Zappa's handler puts the traceback into a 500's body when its `debug` is on, and
    # `debug` defaults to true: every stage must resolve it to false, as Zappa reads it.
    from zappa.cli import ZappaCLI

    cli = ZappaCLI()
    cli.zappa_settings = ZAPPA
    cli.api_stage = stage

    assert cli.stage_config.get("debug", True) is False


def _condition(template_: dict, expression, parameters: dict[str, str]) -> bool | str:
    """A CloudFormation condition (or a value inside one), parameters at their defaults."""
    if isinstance(expression, str):
        return expression
    ((function, argument),) = expression.items()
    if function == "Ref":
        defaults = {k: v.get("Default") for k, v in template_["Parameters"].items()}
        return (defaults | parameters)[argument]
    if function == "Condition":
        return _condition(template_, template_["Conditions"][argument], parameters)
    values = [_condition(template_, a, parameters) for a in argument]
    return {
        "Fn::Equals": lambda: values[0] == values[1],
        "Fn::Not": lambda: not values[0],
        "Fn::And": lambda: all(values),
        "Fn::Or": lambda: any(values),
    }[function]()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_api_invokes_the_alias_zappa_maintains_and_only_where_it_exists(stage):
    from zappa.core import PROVISIONED_CONCURRENCY_LAMBDA_ALIAS

    app = template("app.yaml")
    config = ZAPPA["base"] | ZAPPA[stage]
    # the runbook deploys the app stack with Stage and no qualifier of its own
    uses_alias = _condition(app, app["Conditions"]["HasQualifier"], {"Stage": stage})

    assert uses_alias == bool(config.get("provisioned_concurrency"))
    targets = json.dumps(app["Resources"])
    assert targets.count(f":{PROVISIONED_CONCURRENCY_LAMBDA_ALIAS}") >= 7
    assert "FunctionQualifier" not in targets


# --- invariant 5 in the logs AWS writes: no query string, no header a traveler fills in ---

# $context variables that never hold what a traveler typed: ids, the address, figures.
_ACCESS_LOG_VARIABLES = {
    "context.requestId", "context.identity.sourceIp", "context.httpMethod", "context.path",
    "context.status", "context.responseLatency", "context.integration.latency",
    "context.integration.status", "context.waf.status",
}  # fmt: skip


def test_the_api_access_log_writes_no_query_string_and_no_header():
    stage = template("app.yaml")["Resources"]["ApiStage"]["Properties"]
    variables = set(re.findall(r"\$([A-Za-z.]+)", stage["AccessLogSetting"]["Format"]))

    assert variables <= _ACCESS_LOG_VARIABLES, variables - _ACCESS_LOG_VARIABLES
    # and no stage logs request bodies or parameters (execution logs with data traces)
    assert all(not m.get("DataTraceEnabled", False) for m in stage["MethodSettings"])


def test_the_waf_log_redacts_the_query_string_and_the_headers_we_log_or_store():
    config = template("app.yaml")["Resources"]["WafLogging"]["Properties"]
    redacted = config["RedactedFields"]
    headers = {f["SingleHeader"]["Name"] for f in redacted if "SingleHeader" in f}

    assert {"QueryString": {}} in redacted
    assert headers >= {"authorization", "cookie", "referer", "user-agent", "idempotency-key",
                       "x-session-id"}  # fmt: skip


def test_cloudfront_writes_no_standard_logs_which_would_hold_query_strings():
    distribution = template("edge.yaml")["Resources"]["Distribution"]["Properties"]

    assert "Logging" not in distribution["DistributionConfig"]


def test_zappas_handler_never_logs_a_whole_event():
    """Zappa's `debug` (on unless said otherwise) logs every API Gateway event, headers,
    query string and body (base64, where no mask can see a card number), whenever the level
    is DEBUG, and puts tracebacks in 500 answers. Its access line (INFO) is masked by
    travelguru.log_masking."""
    for stage in ZAPPA:
        config = {**ZAPPA["base"], **ZAPPA[stage]}
        assert config["debug"] is False
        assert config["log_level"] in ("INFO", "WARNING", "ERROR")
