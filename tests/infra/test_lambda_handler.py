"""Zappa's handler, run from the unpacked package, answers API Gateway REST proxy events.

The closest thing to Lambda that runs here: the zip `make package` built is unpacked, and
one long-lived `python -S` process (only the package and the standard library importable,
bytecode writes off, as on Lambda's read-only /var/task) imports the package's handler.py
and is fed events in the shape API Gateway (REST, proxy integration) and EventBridge send.
It keeps its state between events like a warm Lambda instance.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from search.apis.common import today_anywhere
from tests.infra.test_templates import ZAPPA

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
HOST = "api.travelguru.example"
STATIC_HOST = "d111111abcdef8.cloudfront.net"
MARK = "@@LAMBDA@@"

DRIVER = f"""
import json, sys, time, uuid

class Context:
    function_name = "travelguru-prod"
    function_version = "7"
    invoked_function_arn = (
        "arn:aws:lambda:eu-west-1:123456789012:function:travelguru-prod:provisioned-concurrency"
    )
    memory_limit_in_mb = "1024"
    log_group_name = "/aws/lambda/travelguru-prod"
    log_stream_name = "2026/11/25/[7]0123456789abcdef"
    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())
    def get_remaining_time_in_millis(self):
        return 60000

started = time.perf_counter()
import handler
imported = time.perf_counter() - started
for line in sys.stdin:
    event = json.loads(line)
    started = time.perf_counter()
    try:
        out = {{"result": handler.lambda_handler(event, Context())}}
    except Exception as exc:
        out = {{"error": repr(exc)}}
    out["seconds"] = round(time.perf_counter() - started, 3)
    out["import_seconds"] = round(imported, 3)
    sys.stdout.write("{MARK}" + json.dumps(out, default=str) + "\\n")
    sys.stdout.flush()
"""


class LambdaInstance:
    """One warm Lambda instance: a process that runs events through the package's handler."""

    def __init__(self, package_dir: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-S", "-c", DRIVER],
            cwd=package_dir,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log: list[str] = []
        self.timings: list[float] = []

    def invoke(self, event: dict) -> dict | None:
        assert self.process.stdin
        assert self.process.stdout
        self.process.stdin.write(json.dumps(event) + "\n")
        self.process.stdin.flush()
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError("the Lambda process died:\n" + "".join(self.log[-40:]))
            if line.startswith(MARK):
                out = json.loads(line[len(MARK) :])
                if "error" in out:
                    raise AssertionError(out["error"] + "\n" + "".join(self.log[-40:]))
                self.timings.append(out["seconds"])
                return out["result"]
            self.log.append(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def rest_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: dict | None = None,
    headers: dict[str, str] | None = None,
) -> dict:
    """An API Gateway REST API proxy-integration event, as recorded from a live stage."""
    all_headers = {
        "Accept": "application/json",
        "CloudFront-Forwarded-Proto": "https",
        "CloudFront-Viewer-Country": "IE",
        "Host": HOST,
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "Via": "2.0 a1b2c3d4.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": "cf-" + uuid.uuid4().hex,
        "X-Amzn-Trace-Id": "Root=1-6744a3c1-" + uuid.uuid4().hex[:24],
        "X-Forwarded-For": "203.0.113.7, 130.176.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    raw = json.dumps(body) if body is not None else None
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "extendedRequestId": "Bq7xLGb8joEFZ2g=",
            "requestTime": "25/Nov/2026:10:12:01 +0000",
            "path": path,
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": "api",
            "requestTimeEpoch": 1795601521000,
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": "203.0.113.7",
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": all_headers["User-Agent"],
                "user": None,
            },
            "domainName": HOST,
            "apiId": "abc123defg",
        },
        "body": raw,
        "isBase64Encoded": False,
    }


def scheduled_event(function: str) -> dict:
    """What EventBridge sends for a Zappa `events` entry (the rule is named after it)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-25T10:12:00Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:events:eu-west-1:123456789012:rule/travelguru-prod-{function}"],
        "detail": {},
    }


def body_of(response: dict) -> str:
    body = response.get("body") or ""
    return base64.b64decode(body).decode() if response.get("isBase64Encoded") else body


def headers_of(response: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, values in (response.get("multiValueHeaders") or {}).items():
        found.setdefault(key.lower(), []).extend(values)
    for key, value in (response.get("headers") or {}).items():
        found.setdefault(key.lower(), [value])
    return found


@pytest.fixture(scope="module")
def lambda_instance(lambda_zip, tmp_path_factory):
    """A warm instance of the packaged function on its own SQLite database with demo data."""
    base = tmp_path_factory.mktemp("lambda")
    package_dir = base / "task"
    with zipfile.ZipFile(lambda_zip) as zf:
        zf.extractall(package_dir)
    database = f"sqlite:///{base / 'db.sqlite3'}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda
        "AWS_EC2_METADATA_DISABLED": "true",
        "DJANGO_SECRET_KEY": "handler-test-" + "s" * 50,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "MEDIA_BUCKET": "travelguru-test-media",
        "STATIC_BUCKET": "travelguru-test-static",
        "STATIC_HOST": STATIC_HOST,
        "DATABASE_URL": database,
        # as the function's configuration sets it: Django is built when handler.py imports
        "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": ZAPPA["prod"]["aws_environment_variables"][
            "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT"
        ],
    }
    instance = LambdaInstance(package_dir, env)
    # the runbook's `zappa manage prod migrate`, through the same handler: it also makes
    # the cache table (travelguru/migrations/0001_cache_table.py), no second step
    instance.invoke({"manage": "migrate --noinput"})
    # demo data needs the reference tables left out of the package: the dev environment
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "load_demo_data", "--days", "30"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database,
            "DJANGO_SETTINGS_MODULE": "travelguru.settings.local",
        },
        check=True,
        capture_output=True,
    )
    instance.database_path = base / "db.sqlite3"  # type: ignore[attr-defined]
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def indexed(lambda_instance):
    """The scheduled sync has run once (search answers from the index it fills)."""
    result = lambda_instance.invoke(scheduled_event("travelguru.scheduled.sync_search_index"))
    assert result is None
    assert "added" in "".join(lambda_instance.log[-5:])
    return lambda_instance


def _token(instance: LambdaInstance) -> str:
    response = instance.invoke(
        rest_event(
            "POST",
            "/api/auth/token",
            body={"email": "traveler@travelguru.example", "password": "paper-lantern-voyage"},
        )
    )
    assert response["statusCode"] == 200, body_of(response)
    return json.loads(body_of(response))["access"]


def test_a_hotel_search_is_answered_from_the_index_the_scheduled_sync_filled(indexed):
    check_in = today_anywhere() + timedelta(days=10)
    query = {
        "city": "Paris",
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=2)).isoformat(),
    }

    response = indexed.invoke(rest_event("GET", "/api/hotels/search", query=query))

    assert response["statusCode"] == 200, body_of(response)
    assert response.get("isBase64Encoded", False) is False  # JSON goes as text
    assert headers_of(response)["content-type"] == ["application/json"]
    page = json.loads(body_of(response))
    assert page["count"] > 0
    assert page["indexed_at"] is not None
    assert {r["city"]["name"] for r in page["results"]} == {"Paris"}


def test_a_traveler_holds_a_flight_with_a_jwt_and_the_minute_job_expires_it(indexed):
    # given: a logged-in traveler and a flight offer
    token = _token(indexed)
    day = today_anywhere() + timedelta(days=14)
    query = {"origin": "JFK", "destination": "LHR", "date": day.isoformat()}
    flights = json.loads(
        body_of(indexed.invoke(rest_event("GET", "/api/flights/search", query=query)))
    )
    offer_id = flights["results"][0]["offer_id"]

    # when
    response = indexed.invoke(
        rest_event(
            "POST",
            "/api/holds",
            body={"items": [{"offer_id": offer_id}]},
            headers={"Authorization": f"Bearer {token}"},
        )
    )

    # then
    assert response["statusCode"] == 201, body_of(response)
    hold = json.loads(body_of(response))
    assert hold["status"] == "active"
    assert hold["total"] == flights["results"][0]["price"]

    # and once it is past its expiry, the every-minute event gives it back
    with sqlite3.connect(indexed.database_path) as db:
        db.execute(
            "UPDATE bookings_hold SET expires_at = '2000-01-01 00:00:00' WHERE id = ?",
            (uuid.UUID(hold["id"]).hex,),
        )
    assert indexed.invoke(scheduled_event("travelguru.scheduled.release_expired_holds")) is None
    assert any("released 1 expired hold" in line for line in indexed.log[-5:])
    detail = indexed.invoke(
        rest_event("GET", f"/api/holds/{hold['id']}", headers={"Authorization": f"Bearer {token}"})
    )
    assert json.loads(body_of(detail))["status"] == "expired"


def _holds(instance: LambdaInstance) -> int:
    with sqlite3.connect(instance.database_path) as db:
        return db.execute("SELECT count(*) FROM bookings_hold").fetchone()[0]


def test_a_hold_without_a_token_is_refused_and_holds_nothing(indexed):
    before = _holds(indexed)

    response = indexed.invoke(rest_event("POST", "/api/holds", body={"items": []}))

    assert response["statusCode"] == 401
    assert headers_of(response)["content-type"] == ["application/problem+json"]
    assert _holds(indexed) == before


def test_an_unknown_path_is_a_problem_json_404(lambda_instance):
    response = lambda_instance.invoke(rest_event("GET", "/api/no-such-thing"))

    assert response["statusCode"] == 404
    assert headers_of(response)["content-type"] == ["application/problem+json"]
    assert json.loads(body_of(response))["status"] == 404


def test_the_admin_login_page_renders_with_secure_cookies_and_cloudfront_static(lambda_instance):
    response = lambda_instance.invoke(
        rest_event("GET", "/admin/login/", headers={"Accept": "text/html"})
    )

    assert response["statusCode"] == 200
    html = body_of(response)
    assert 'name="csrfmiddlewaretoken"' in html
    assert f"https://{STATIC_HOST}/static/admin/css/base.css" in html
    headers = headers_of(response)
    assert headers["content-type"] == ["text/html; charset=utf-8"]
    assert headers["x-frame-options"] == ["DENY"]
    assert headers["strict-transport-security"] == ["max-age=31536000; includeSubDomains; preload"]
    cookie = next(c for c in headers["set-cookie"] if c.strip().startswith("csrftoken="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_plain_http_is_redirected_to_https(lambda_instance):
    response = lambda_instance.invoke(
        rest_event("GET", "/healthz", headers={"X-Forwarded-Proto": "http"})
    )

    assert response["statusCode"] == 301
    assert headers_of(response)["location"] == [f"https://{HOST}/healthz"]


def test_health_reaches_the_database(lambda_instance):
    response = lambda_instance.invoke(rest_event("GET", "/healthz"))

    assert response["statusCode"] == 200
    assert json.loads(body_of(response)) == {"status": "ok", "database": "ok"}


def test_the_keep_warm_ping_does_no_work(lambda_instance):
    before = len(lambda_instance.log)

    result = lambda_instance.invoke(scheduled_event("zappa-keep-warm-handler.keep_warm_callback"))

    assert result is None
    assert lambda_instance.log[before:] == []
