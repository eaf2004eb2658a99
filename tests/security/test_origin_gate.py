"""Only CloudFront reaches the deployed API, and per-IP limits key on the viewer it saw.

Requests are API Gateway proxy events (as recorded from a live stage) fed to Zappa's own
LambdaHandler, whose `create_wsgi_request` sets REMOTE_ADDR from X-Forwarded-For, with the
Django app it builds while the gate's secret is configured, as on a deployed stage.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import os
import sys
import types
from datetime import datetime, timedelta
from unittest.mock import patch

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zappa import handler
from zappa.wsgi import create_wsgi_request

from tests.factories.accounts import PASSWORD, UserFactory
from tests.infra.test_lambda_handler import HOST, rest_event
from travelguru.origin import viewer_ip

SECRET = "origin-" + "x7Q" * 16
EDGE = "130.176.0.1"  # a CloudFront edge: API Gateway's sourceIp for CloudFront traffic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def zappa(monkeypatch):
    """Zappa's LambdaHandler in this process, reading a zappa_settings module like the one
    Zappa writes into the package (what it reads of it), on the test settings."""
    settings_module = types.ModuleType("zappa_settings")
    settings_module.__dict__.update(
        LOG_LEVEL="WARNING", PROJECT_NAME="travelguru", API_STAGE="prod",
        ENVIRONMENT_VARIABLES={}, DJANGO_SETTINGS=os.environ["DJANGO_SETTINGS_MODULE"],
        DEBUG=False, DOMAIN=None, BASE_PATH=None, BINARY_SUPPORT=True,
        CONTEXT_HEADER_MAPPINGS={}, EXCEPTION_HANDLER=None, AWS_EVENT_MAPPING={},
        AWS_BOT_EVENT_MAPPING={}, COGNITO_TRIGGER_MAPPING={}, AUTHORIZER_FUNCTION=None,
    )  # fmt: skip
    monkeypatch.setitem(sys.modules, "zappa_settings", settings_module)
    for name in ("SERVERTYPE", "FRAMEWORK", "PROJECT", "STAGE"):  # the handler sets these
        monkeypatch.setenv(name, "")
    monkeypatch.setattr(handler.LambdaHandler, "_LambdaHandler__instance", None)
    monkeypatch.setattr(handler.LambdaHandler, "settings", None)
    monkeypatch.setattr(logging.getLogger(), "level", logging.getLogger().level)
    # A real WSGI handler closes the database connection around each request; here that
    # connection holds the test's transaction (as Django's test client arranges too).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def serve(event: dict) -> tuple[int, dict[str, str], bytes]:
    """One event through Zappa's handler, its app built with the gate's secret configured,
    as on a deployed stage (a fresh handler each time: Zappa builds the app once)."""
    with override_settings(ORIGIN_VERIFY_SECRET=SECRET, ALLOWED_HOSTS=[HOST]):
        handler.LambdaHandler._LambdaHandler__instance = None
        answer = handler.LambdaHandler.lambda_handler(event, None)
    body = answer.get("body", "")
    raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    return answer["statusCode"], answer["headers"], raw


def login_event(
    email: str, password: str, *, forwarded_for: str, origin: str | None = SECRET,
    viewer: str | None = None,
) -> dict:  # fmt: skip
    headers = {"X-Forwarded-For": forwarded_for}
    if origin is not None:
        headers["X-Origin-Verify"] = origin
    if viewer is not None:
        headers["CloudFront-Viewer-Address"] = viewer
    return rest_event(
        "POST", "/api/auth/token", body={"email": email, "password": password}, headers=headers
    )


@pytest.mark.parametrize(
    "origin",
    [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), "é" + SECRET[1:]],
    ids=["absent", "empty", "wrong", "short", "long", "case", "non-ascii"],
)
@override_settings(LOGIN_FAILURES_PER_ACCOUNT=100, LOGIN_FAILURES_PER_IP=2)
def test_a_request_without_the_origin_secret_is_refused_before_any_view_runs(origin):
    UserFactory.create(email="ana@example.com")
    viewer = "198.51.100.20:40123"
    # Straight at the regional stage: API Gateway appends the caller's own address.
    for n in range(4):
        event = login_event("ana@example.com", "guess", origin=origin, viewer=viewer,
                            forwarded_for=f"10.0.0.{n}, 198.51.100.20")  # fmt: skip
        status, headers, body = serve(event)

        assert status == 403
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["code"] == "origin-not-verified"
        assert "Set-Cookie" not in headers
        assert SECRET.encode() not in body

    # None of the refused guesses reached the login view: no failure was counted.
    status, _, body = serve(login_event("ana@example.com", PASSWORD, viewer=viewer,
                                        forwarded_for=f"198.51.100.20, {EDGE}"))  # fmt: skip
    assert status == 200, body
    assert "access" in json.loads(body)


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=100, LOGIN_FAILURES_PER_IP=3)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    forged=st.lists(st.ip_addresses().map(str), min_size=1, max_size=3),
    api_gateway_appends_the_edge=st.booleans(),
    viewer=st.ip_addresses(),
    port=st.integers(1, 65535),
)
def test_the_login_lockout_keys_on_cloudfronts_viewer_address_not_a_forged_header(
    forged, api_gateway_appends_the_edge, viewer, port
):
    from django.core.cache import cache

    cache.clear()
    # Failed logins count in fixed windows: all of one example's requests happen at one
    # instant well inside a window, or a window's end could reset the count between them.
    with patch("django.utils.timezone.now", return_value=inside_one_login_window()):
        lockout_example(forged, api_gateway_appends_the_edge, viewer, port)


def inside_one_login_window() -> datetime:
    from django.conf import settings as django_settings
    from django.utils import timezone

    now = timezone.now()
    length = django_settings.LOGIN_FAILURE_WINDOW_SECONDS
    left = length - now.timestamp() % length
    return now if left > 60 else now + timedelta(seconds=left + 1)


def lockout_example(forged, api_gateway_appends_the_edge, viewer, port) -> None:
    email = f"u{port}@example.com"
    UserFactory.create(email=email)
    # CloudFront appends the viewer to whatever X-Forwarded-For the viewer sent; whether the
    # regional stage appends the edge after it must not matter.
    hops = [*forged, str(viewer)] + ([EDGE] if api_gateway_appends_the_edge else [])
    guesser = f"{viewer}:{port}"
    for n in range(3):
        forged_now = [f"192.0.2.{n}", *forged[1:]]  # a new forged address per guess
        hops_now = forged_now + hops[len(forged) :]
        status, _, _ = serve(login_event(email, "guess", viewer=guesser,
                                         forwarded_for=", ".join(hops_now)))  # fmt: skip
        assert status == 401

    status, _, body = serve(login_event(email, PASSWORD, viewer=guesser,
                                        forwarded_for=", ".join(hops)))  # fmt: skip
    assert status == 429, body
    assert json.loads(body)["code"] == "too-many-login-attempts"

    # Someone else, behind CloudFront with the very same forged header, is not locked out.
    other = "203.0.113.99" if str(viewer) != "203.0.113.99" else "203.0.113.98"
    status, _, body = serve(login_event(email, PASSWORD, viewer=f"{other}:443",
                                        forwarded_for=", ".join(hops)))  # fmt: skip
    assert status == 200, body


def test_drf_throttles_see_the_viewer_address_as_the_client():
    from rest_framework.throttling import BaseThrottle

    from travelguru.origin import OriginVerifyMiddleware

    seen: list[str] = []

    def view(request):
        seen.append(BaseThrottle().get_ident(request))
        from django.http import HttpResponse

        return HttpResponse()

    environ = create_wsgi_request(rest_event("GET", "/api/airports", headers={
        "X-Origin-Verify": SECRET, "CloudFront-Viewer-Address": "2001:db8::7:51234",
        "X-Forwarded-For": f"192.0.2.1, 2001:db8::7, {EDGE}"}))  # fmt: skip
    from django.core.handlers.wsgi import WSGIRequest

    with override_settings(ORIGIN_VERIFY_SECRET=SECRET):
        OriginVerifyMiddleware(view)(WSGIRequest(environ))

    assert seen == ["2001:db8::7"]


@pytest.mark.parametrize(
    "viewer", [None, "", "198.51.100.7", "not-an-ip:443", "198.51.100.7:", "198.51.100.7:x"]
)
def test_a_verified_request_without_a_usable_viewer_address_is_refused(viewer):
    status, headers, body = serve(login_event("x@example.com", "guess", viewer=viewer,
                                              forwarded_for=f"198.51.100.7, {EDGE}"))  # fmt: skip

    assert status == 403
    assert headers["Content-Type"] == "application/problem+json"


@given(ip=st.ip_addresses(), port=st.integers(0, 65535))
def test_viewer_ip_reads_cloudfronts_ip_and_port_for_both_families(ip, port):
    assert viewer_ip(f"{ip}:{port}") == str(ipaddress.ip_address(ip))
    assert viewer_ip(f"[{ip}]:{port}") == str(ipaddress.ip_address(ip))


def test_without_a_secret_configured_the_gate_is_not_in_the_chain(client):
    answer = client.get("/healthz", REMOTE_ADDR="198.51.100.1")

    assert answer.status_code != 403
