"""The CloudFront Function that gives the traveler app's deep links its index.html.

The code under test is the exact text edge.yaml carries, run under node in a context with
no globals (CloudFront's sandbox has no require, no console), one node process per batch.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess  # nosec B404: runs node on code from our own template
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.infra.test_templates import template
from travelguru.frontend import APP_ROUTES

ROOT = Path(__file__).parents[2]

HARNESS = """
const fs = require("fs");
const vm = require("vm");
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), context);
const events = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(events.map((event) => context.handler(event))));
"""


def _function() -> dict:
    return template("edge.yaml")["Resources"]["AppRoutes"]


def _event(uri: str, query: dict[str, str] | None = None) -> dict:
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request", "distributionId": "EDFDVBD6EXAMPLE"},
        "viewer": {"ip": "198.51.100.7"},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": {key: {"value": value} for key, value in (query or {}).items()},
            "headers": {"host": {"value": "travelguru.example"}},
            "cookies": {},
        },
    }


def run(events: list[dict], tmp_path: Path) -> list[dict]:
    node = shutil.which("node")
    assert node, "node runs the CloudFront Function's tests (it also builds the front-end)"
    code = tmp_path / "function.js"
    code.write_text(_function()["Properties"]["FunctionCode"])
    result = subprocess.run(  # noqa: S603  # nosec B603: fixed argv, our own code
        [node, "-e", HARNESS, str(code)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def served_by_the_app(path: str) -> bool:
    """What Django (the same app behind `make run`) answers with the app's index.html."""
    try:
        return resolve(path).url_name in ("home", "app")
    except Resolver404:
        return False


def test_the_function_runs_on_every_front_end_request_before_s3():
    distribution = template("edge.yaml")["Resources"]["Distribution"]["Properties"]
    default = distribution["DistributionConfig"]["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "frontend"
    assert default["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": "AppRoutes.FunctionARN"}}
    ]
    properties = _function()["Properties"]
    assert properties["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert properties["AutoPublish"] is True  # else the distribution runs no LIVE code
    assert len(properties["FunctionCode"].encode()) < 10 * 1024  # CloudFront's size limit


def test_the_functions_routes_are_the_apps_routes():
    code = _function()["Properties"]["FunctionCode"]
    match = re.search(r"var APP_ROUTES = (\[.*?\]);", code)
    assert match
    assert tuple(json.loads(match.group(1))) == APP_ROUTES


def test_the_apps_router_has_exactly_the_routes_django_and_cloudfront_serve():
    main = (ROOT / "frontend" / "src" / "main.ts").read_text()
    paths = re.findall(r'^route\("(/[^"]*)"', main, flags=re.MULTILINE)
    firsts = {path.split("/")[1] for path in paths if path != "/"}
    assert firsts == set(APP_ROUTES)


APP_URIS = [
    uri
    for route in APP_ROUTES
    for uri in (f"/{route}", f"/{route}/", f"/{route}/12", f"/{route}/TG-7KQ2M9XA/")
]
PASSED_THROUGH = [
    "/index.html",
    "/favicon.svg",
    "/assets/index-3f9a1c.js",
    "/assets/index-3f9a1c.css",
    "/assets/hotels/map.png",
    "/api/v1/hotels/12",
    "/api/v1/search",
    "/admin/",
    "/static/admin/css/base.css",
    "/healthz",
    "/hotels.json",
    "/hotelsx",
    "/HOTELS/12",
    "//hotels",
    "/nowhere",
    "/nowhere/hotels",
    "/robots.txt",
]


def test_deep_links_with_or_without_slash_and_query_get_index_html(tmp_path):
    cases = [(uri, query) for uri in ["/", *APP_URIS] for query in ({}, {"page": "2"})]
    answers = run([_event(uri, query) for uri, query in cases], tmp_path)
    for (uri, query), request in zip(cases, answers, strict=True):
        assert request["uri"] == "/index.html", uri
        assert request["querystring"] == {k: {"value": v} for k, v in query.items()}, uri
        assert request["headers"] == {"host": {"value": "travelguru.example"}}


def test_files_the_api_and_unknown_paths_reach_their_origin_unchanged(tmp_path):
    events = [_event(uri, {"v": "1"}) for uri in PASSED_THROUGH]
    for event, request in zip(events, run(events, tmp_path), strict=True):
        assert request == event["request"]


_SEGMENT = st.one_of(
    st.sampled_from([*APP_ROUTES, "api", "v1", "admin", "assets", "static", "healthz", ""]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzHOTELS0123456789-_.~", max_size=12),
)
_PATH = st.builds(
    lambda parts, slash: "/" + "/".join(parts) + ("/" if slash and parts else ""),
    st.lists(_SEGMENT, max_size=4),
    st.booleans(),
)


@settings(max_examples=15, deadline=None)
@given(st.lists(_PATH, min_size=1, max_size=40))
def test_cloudfront_serves_the_app_exactly_where_django_does(tmp_path_factory, paths):
    tmp_path = tmp_path_factory.mktemp("edge")
    for path, request in zip(paths, run([_event(p) for p in paths], tmp_path), strict=True):
        expected = "/index.html" if served_by_the_app(path) else path
        assert request["uri"] == expected, path


@pytest.mark.parametrize("uri", ["/hotels/12", "/trips/TG-7KQ2M9XA"])
def test_django_itself_serves_these_deep_links_with_the_app(uri):
    # The reference the property above holds CloudFront to.
    assert served_by_the_app(uri)


def _frontend_bucket_policy(stage: str) -> dict:
    from infra.iam_policy import StackContext, resolve

    stack = StackContext(
        parameters={
            "Stage": stage,
            "StorageStackName": f"travelguru-{stage}-storage",
            "Distribution": "E2EXAMPLE",  # what Ref gives: the distribution's id
        },
        imports={f"travelguru-{stage}-storage-FrontendBucket": f"travelguru-{stage}-frontend"},
    )
    policy = template("edge.yaml")["Resources"]["FrontendBucketPolicy"]["Properties"]
    return resolve(policy["PolicyDocument"], stack)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_an_unknown_path_is_s3s_404_not_403_for_this_distribution_only(stage):
    # S3 answers a missing key with 404 only to a reader that may list the bucket.
    from infra.iam_policy import Call, resource_policy_allows

    policy = _frontend_bucket_policy(stage)
    bucket = f"arn:aws:s3:::travelguru-{stage}-frontend"

    def allowed(action: str, resource: str, distribution: str = "E2EXAMPLE") -> bool:
        context = {
            "AWS:SourceArn": f"arn:aws:cloudfront::123456789012:distribution/{distribution}",
            "aws:SecureTransport": "true",
        }
        call = Call(action, resource, context)
        return resource_policy_allows(policy, call, service_principal="cloudfront.amazonaws.com")

    assert allowed("s3:ListBucket", bucket)
    assert allowed("s3:GetObject", f"{bucket}/index.html")
    assert not allowed("s3:ListBucket", bucket, distribution="EOTHERDIST")
    assert not allowed("s3:GetObject", f"{bucket}/index.html", distribution="EOTHERDIST")
    for action in ("s3:PutObject", "s3:DeleteObject", "s3:ListBucketVersions"):
        assert not allowed(action, f"{bucket}/index.html"), action
