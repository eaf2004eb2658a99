"""Every AWS call a function makes is allowed by its role AND its permissions boundary.

The calls are data (infra.iam_policy.Call): here they come from running the real code
against moto with botocore's event hooks recording each request; a rehearsal can feed its
own recordings into the same check. moto itself evaluates no IAM, hence infra/iam_policy.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra.iam_policy import (
    Call,
    StackContext,
    arn_match,
    decide,
    glob_match,
    iam_requests,
    resolve,
    role_policies,
)
from tests.infra.test_templates import TEMPLATES, ZAPPA, load, template
from travelguru.settings import aws_config

REGION = ZAPPA["base"]["aws_region"]
ACCOUNT = "123456789012"  # moto's account
STAGES = ["dev", "prod"]


def stack_context(stage: str, imports: dict[str, str] | None = None) -> StackContext:
    """The parameters the runbook passes each stack (stack names travelguru-<stage>-<name>)."""
    names = ("storage", "network", "database", "app", "search")
    parameters = {"Stage": stage} | {
        f"{name.capitalize()}StackName": f"travelguru-{stage}-{name}" for name in names
    }
    return StackContext(parameters=parameters, imports=imports or {}, region=REGION)


def check(calls: list[Call], template_name: str, role: str, stack: StackContext) -> list[str]:
    """The calls the role may not make, each with why (empty: all allowed)."""
    identity, boundary = role_policies(template(template_name), role, stack)
    assert boundary is not None, f"{template_name}:{role} must carry a boundary"
    refused = []
    for call in calls:
        decision = decide(identity, boundary, call)
        if decision != "allowed":
            refused.append(f"{call.action} on {call.resource}: {decision}")
    return refused


# ---- the evaluator follows AWS's documented rules ---------------------------------------


def test_actions_match_case_insensitively_and_resources_case_sensitively():
    assert glob_match("ssm:GetParameter*", "SSM:getparametersbypath", ignore_case=True)
    assert not glob_match("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/key")
    assert glob_match("a?c", "abc")
    assert not glob_match("a?c", "abbc")


def test_a_wildcard_covers_an_empty_run_and_the_rest_of_the_resource_part():
    assert arn_match(
        "arn:aws:ssm:eu-west-1:1:parameter/tg/prod/*", "arn:aws:ssm:eu-west-1:1:parameter/tg/prod/"
    )
    assert not arn_match(
        "arn:aws:ssm:eu-west-1:1:parameter/tg/prod", "arn:aws:ssm:eu-west-1:1:parameter/tg/prod/"
    )
    assert arn_match(
        "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/tg*",
        "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/tg-prod:log-stream:2026/12/06",
    )
    # the region segment is its own: a wildcard in the resource part cannot reach it
    assert not arn_match("arn:aws:s3:::*", "arn:aws:s3:eu-west-1::bucket")


def test_an_allow_in_the_role_is_not_enough_without_one_in_the_boundary_and_deny_wins():
    call = Call("s3:GetObject", "arn:aws:s3:::travelguru-prod-media/a.jpg")
    allow_all = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    allow_other = {
        "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}
    }
    deny = {"Statement": [{"Effect": "Deny", "NotAction": "kms:*", "Resource": "*"}]}

    assert decide([allow_all], allow_all, call) == "allowed"
    assert decide([allow_all], allow_other, call) == "no allow in boundary"
    assert decide([allow_other], allow_all, call) == "no allow in role"
    assert decide([allow_all, deny], allow_all, call) == "explicit deny"
    assert decide([allow_all], deny, call) == "explicit deny"


# ---- settings import: what the function reads from SSM and Secrets Manager --------------


def ssm_parameters(stage: str) -> dict[str, str]:
    """Every SSM parameter the stacks create for `stage`, with its value where the template
    alone decides it (bucket names); endpoints only AWS knows get a stand-in host."""
    stack = stack_context(stage)
    found = {}
    for path in TEMPLATES:
        resources = load(path)["Resources"]
        for resource in resources.values():
            if resource["Type"] != "AWS::SSM::Parameter":
                continue
            value = resource["Properties"]["Value"]
            if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in resources:
                value = resources[value["Ref"]]["Properties"].get("BucketName", value)
            try:
                value = resolve(value, stack)
            except KeyError:
                value = "db.example"
            found[resolve(resource["Properties"]["Name"], stack)] = (
                value if isinstance(value, str) else "db.example"
            )
    return found


class Recorder:
    """botocore event hooks noting each call's service, operation, parameters, answer."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []

    def client_factory(self, service: str) -> Any:
        import boto3

        client = boto3.session.Session(region_name=REGION).client(service)
        events = client.meta.events
        events.register("before-parameter-build", self._params)
        events.register("after-call", self._answer)
        return client

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["recorded_params"] = dict(params)

    def _answer(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any):
        service = model.service_model.signing_name
        self.calls.append((service, model.name, context["recorded_params"], parsed))

    def requests(self) -> list[Call]:
        return [
            request
            for service, operation, params, parsed in self.calls
            for request in iam_requests(
                service, operation, params, parsed, region=REGION, account=ACCOUNT
            )
        ]


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def create_what_the_stacks_create(stage: str) -> dict[str, str]:
    """The stage's key, secrets and parameters in moto; answers the stacks' exports."""
    import boto3

    database = template("database.yaml")["Resources"]
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    imports = {f"travelguru-{stage}-storage-DataKeyArn": key_arn}
    stack = stack_context(stage, imports)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    values = {
        "DatabaseSecret": {
            "username": "app",
            "password": "pw",
            "dbname": "travelguru",
            "port": 3306,
        },
        "AppSecret": {"DJANGO_SECRET_KEY": "k" * 50},
    }
    for logical, value in values.items():
        properties = database[logical]["Properties"]
        arn = secrets.create_secret(
            Name=resolve(properties["Name"], stack),
            KmsKeyId=resolve(properties["KmsKeyId"], stack),
            SecretString=json.dumps(value),
        )["ARN"]
        imports[f"travelguru-{stage}-database-{logical}Arn"] = arn
    ssm = boto3.client("ssm", region_name=REGION)
    for name, value in ssm_parameters(stage).items():
        ssm.put_parameter(Name=name, Type="String", Value=value)
    return imports


@pytest.mark.parametrize("stage", STAGES)
def test_the_function_may_make_every_call_its_settings_import_makes(aws, stage):
    # given: what the storage, database, app and edge stacks create, and the stage's env
    imports = create_what_the_stacks_create(stage)
    environ = dict(ZAPPA[stage]["aws_environment_variables"])
    recorder = Recorder()

    # when: production settings read their configuration, as on every cold start
    loaded = aws_config.load_into_environment(environ, recorder.client_factory)
    url = aws_config.database_from_proxy_secret(environ, recorder.client_factory)

    # then: the reads worked and each of them is allowed by the role and its boundary
    assert "DATABASE_HOST" in loaded
    assert url == "mysql://app:pw@db.example:3306/travelguru"
    calls = recorder.requests()
    assert {c.action for c in calls} == {"ssm:GetParametersByPath", "secretsmanager:GetSecretValue"}
    # Secrets Manager decrypts with the secret's key as the caller: the caller needs it
    key = imports[f"travelguru-{stage}-storage-DataKeyArn"]
    calls += [Call("kms:Decrypt", key) for c in calls if c.action.startswith("secretsmanager:")]
    assert check(calls, "app.yaml", "LambdaRole", stack_context(stage, imports)) == []


@pytest.mark.parametrize("path", ["/travelguru/{stage}/", "/travelguru/{stage}"])
@pytest.mark.parametrize("stage", STAGES)
def test_the_parameter_path_is_readable_with_or_without_its_trailing_slash(stage, path):
    # an operator may set DJANGO_SSM_PATH either way; AWS authorizes the path as written
    stack = stack_context(
        stage,
        {
            f"travelguru-{stage}-storage-DataKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k",
            f"travelguru-{stage}-database-DatabaseSecretArn": "arn:aws:secretsmanager:x:1:secret:d",
            f"travelguru-{stage}-database-AppSecretArn": "arn:aws:secretsmanager:x:1:secret:a",
        },
    )
    arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{path.format(stage=stage)}"
    other_stage = arn.replace(f"/{stage}", "/qa")

    assert check([Call("ssm:GetParametersByPath", arn)], "app.yaml", "LambdaRole", stack) == []
    assert check([Call("ssm:GetParametersByPath", other_stage)], "app.yaml", "LambdaRole", stack)


# ---- what Lambda itself does with a function's role: logs, and traces when active ------


def runtime_calls(function_name: str, *, traced: bool) -> list[Call]:
    """Calls Lambda makes with the execution role for every invocation of a function."""
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{function_name}"
    calls = [
        Call("logs:CreateLogGroup", group),
        Call("logs:CreateLogStream", f"{group}:log-stream:2026/12/06/[$LATEST]0a1b2c"),
        Call("logs:PutLogEvents", f"{group}:log-stream:2026/12/06/[$LATEST]0a1b2c"),
    ]
    if traced:
        # Active tracing: Lambda refuses to create the function unless the role may send
        # segments; these X-Ray actions have no resource-level permissions.
        calls += [Call("xray:PutTraceSegments", "*"), Call("xray:PutTelemetryRecords", "*")]
    return calls


def template_functions() -> list[tuple[str, str, dict]]:
    return [
        (path.name, name, resource["Properties"])
        for path in TEMPLATES
        for name, resource in load(path)["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    ]


def test_the_search_setup_function_is_traced_and_the_only_template_function():
    # the test below must see every function the templates declare
    assert [(f, n) for f, n, _ in template_functions()] == [("search.yaml", "DomainFunction")]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(("file", "name", "properties"), template_functions())
def test_each_template_function_may_log_trace_and_make_its_own_calls(stage, file, name, properties):
    import re

    stack = stack_context(stage)
    function_name = resolve(properties["FunctionName"], stack)
    role = properties["Role"]["Fn::GetAtt"]
    role = role.partition(".")[0] if isinstance(role, str) else role[0]
    traced = properties.get("TracingConfig", {}).get("Mode") == "Active"
    calls = runtime_calls(function_name, traced=traced)
    # the CloudSearch configuration calls its inline code makes, on the stage's domain
    code = properties["Code"]["ZipFile"]
    domain = f"arn:aws:cloudsearch:{REGION}:{ACCOUNT}:domain/travelguru-{stage}"
    for method in sorted(set(re.findall(r"\bcs\.(\w+)\(", code))):
        action = "cloudsearch:" + "".join(part.capitalize() for part in method.split("_"))
        calls.append(Call(action, domain))

    assert len(calls) > 5
    assert check(calls, file, role, stack) == []


@pytest.mark.parametrize("stage", STAGES)
def test_the_zappa_function_may_log_and_trace_as_its_stage_configures(stage):
    config = ZAPPA["base"] | ZAPPA[stage]
    stack = stack_context(
        stage,
        {
            f"travelguru-{stage}-storage-DataKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k",
            f"travelguru-{stage}-database-DatabaseSecretArn": "arn:aws:secretsmanager:x:1:secret:d",
            f"travelguru-{stage}-database-AppSecretArn": "arn:aws:secretsmanager:x:1:secret:a",
        },
    )
    calls = runtime_calls(f"travelguru-{stage}", traced=config["xray_tracing"])

    assert config["xray_tracing"] is True
    assert check(calls, "app.yaml", "LambdaRole", stack) == []


@pytest.mark.parametrize("stage", STAGES)
def test_the_function_may_send_itself_its_asynchronous_tasks_and_no_other_function(stage):
    stack = stack_context(
        stage,
        {
            f"travelguru-{stage}-storage-DataKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k",
            f"travelguru-{stage}-database-DatabaseSecretArn": "arn:aws:secretsmanager:x:1:secret:d",
            f"travelguru-{stage}-database-AppSecretArn": "arn:aws:secretsmanager:x:1:secret:a",
        },
    )
    own = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:travelguru-{stage}"
    other = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:someone-else"

    assert check([Call("lambda:InvokeFunction", own)], "app.yaml", "LambdaRole", stack) == []
    assert check([Call("lambda:InvokeFunction", other)], "app.yaml", "LambdaRole", stack) != []


# ---- alarms reach the encrypted alarm topic ----------------------------------------------


def alarms() -> list[tuple[str, str, dict]]:
    return [
        (path.name, name, resource["Properties"])
        for path in TEMPLATES
        for name, resource in load(path)["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    ]


def test_every_alarm_of_every_template_notifies_the_encrypted_alarm_topic():
    assert len(alarms()) >= 7
    for file, name, properties in alarms():
        actions = properties.get("AlarmActions", [])
        topics = load(next(p for p in TEMPLATES if p.name == file))["Resources"]
        assert actions, f"{file}:{name} notifies nobody"
        for action in actions:
            topic = topics[action["Ref"]]
            assert topic["Type"] == "AWS::SNS::Topic", (file, name)
            assert topic["Properties"]["KmsMasterKeyId"] == {
                "Fn::ImportValue": {"Fn::Sub": "${StorageStackName}-DataKeyArn"}
            }


@pytest.mark.parametrize(("metric", "period"), [("Errors", 300), ("Throttles", 60)])
def test_the_function_errors_and_throttles_are_alarmed(metric, period):
    watching = [
        p
        for _, _, p in alarms()
        if p.get("Namespace") == "AWS/Lambda"
        and p.get("MetricName") == metric
        and p["Dimensions"]
        == [{"Name": "FunctionName", "Value": {"Fn::Sub": "travelguru-${Stage}"}}]
    ]

    assert len(watching) == 1
    assert watching[0]["Period"] == period
    assert watching[0]["Threshold"] == 0
    assert watching[0]["ComparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize("stage", STAGES)
def test_the_data_key_lets_cloudwatch_encrypt_for_each_alarm_of_the_stage_and_no_other(stage):
    from infra.iam_policy import resource_policy_allows

    key_policy = resolve(
        template("storage.yaml")["Resources"]["DataKey"]["Properties"]["KeyPolicy"],
        stack_context(stage),
    )
    names = [resolve(p["AlarmName"], stack_context(stage)) for _, _, p in alarms()]

    def allowed(action: str, alarm: str, account: str = ACCOUNT) -> bool:
        context = {
            "aws:SourceAccount": account,
            "aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{account}:alarm:{alarm}",
        }
        call = Call(action, f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k", context)
        return resource_policy_allows(
            key_policy, call, service_principal="cloudwatch.amazonaws.com"
        )

    for alarm in names:
        # what SNS asks KMS for, on CloudWatch's behalf, to publish to the encrypted topic
        assert allowed("kms:GenerateDataKey", alarm), alarm
        assert allowed("kms:Decrypt", alarm), alarm
    # another account's alarm, or another stage's, cannot use the key through CloudWatch
    assert not allowed("kms:GenerateDataKey", names[0], account="999999999999")
    other = "prod" if stage == "dev" else "dev"
    assert not allowed("kms:GenerateDataKey", f"travelguru-{other}-lambda-errors")
    assert not allowed("kms:ReEncryptFrom", names[0])


@pytest.mark.parametrize("stage", STAGES)
def test_settings_import_resolves_the_buckets_the_stacks_create(aws, stage):
    # what publish_frontend, uploads, collectstatic and the analytics export default to
    create_what_the_stacks_create(stage)
    environ = dict(ZAPPA[stage]["aws_environment_variables"])

    aws_config.load_into_environment(environ, Recorder().client_factory)

    for kind in ("FRONTEND", "STATIC", "MEDIA", "ANALYTICS"):
        assert environ[f"{kind}_BUCKET"] == f"travelguru-{stage}-{kind.lower()}"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_function_sends_mail_only_as_itself_and_invokes_only_itself(stage):
    # given the app stack's role, its defaults for the mail identity and address
    exports = ("database-DatabaseSecretArn", "database-AppSecretArn", "storage-DataKeyArn")
    stack = stack_context(stage, {f"travelguru-{stage}-{e}": f"arn:aws:x:::{e}" for e in exports})
    arn = f"arn:aws:ses:{REGION}:123456789012:identity/travelguru.example"
    ours = {"ses:FromAddress": "trips@travelguru.example"}
    itself = f"arn:aws:lambda:{REGION}:123456789012:function:travelguru-{stage}"

    # then a send as our address through our identity, and a task for itself, are allowed
    allowed = [
        Call("ses:SendEmail", arn, ours),
        Call("ses:SendRawEmail", arn, ours),
        Call("lambda:InvokeFunction", itself),
    ]
    assert check(allowed, "app.yaml", "LambdaRole", stack) == []
    # and any other From, identity or function is not
    refused = [
        Call("ses:SendEmail", arn, {"ses:FromAddress": "ceo@travelguru.example"}),
        Call("ses:SendEmail", arn.replace("travelguru.example", "other.example"), ours),
        Call("lambda:InvokeFunction", itself.replace(stage, "other")),
    ]
    assert len(check(refused, "app.yaml", "LambdaRole", stack)) == 3


@pytest.mark.parametrize(
    ("function_name", "qualifier", "resource"),
    [
        ("travelguru-prod", None, "function:travelguru-prod"),
        (f"{ACCOUNT}:function:travelguru-prod", None, "function:travelguru-prod"),
        (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:travelguru-prod", None,
         "function:travelguru-prod"),
        ("travelguru-prod", "live", "function:travelguru-prod:live"),
    ],
)  # fmt: skip
def test_an_invoke_is_authorized_on_the_function_it_names(function_name, qualifier, resource):
    params = {"FunctionName": function_name, "InvocationType": "Event"}
    if qualifier:
        params["Qualifier"] = qualifier

    calls = iam_requests("lambda", "Invoke", params, {}, region=REGION, account=ACCOUNT)

    assert calls == [Call("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:{resource}")]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_task_for_an_alias_of_the_function_is_not_covered_by_the_role(stage):
    exports = ("database-DatabaseSecretArn", "database-AppSecretArn", "storage-DataKeyArn")
    stack = stack_context(stage, {f"travelguru-{stage}-{e}": f"arn:aws:x:::{e}" for e in exports})
    (call,) = iam_requests(
        "lambda", "Invoke", {"FunctionName": f"travelguru-{stage}", "Qualifier": "old"}, {},
        region=REGION, account="123456789012",
    )  # fmt: skip

    assert check([call], "app.yaml", "LambdaRole", stack) != []
