"""What every API answer carries, how big a request may be, who may call from a browser,
and what production tightens (HSTS, TLS behind API Gateway, a shared cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory, override_settings

from bookings.models import Hold
from travelguru.errors import bad_request_view
from travelguru.security import API_CSP

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APP = "https://app.travelguru.example"


@pytest.mark.parametrize(
    ("method", "path", "authenticated"),
    [
        ("get", "/api/", False),
        ("get", "/api/airports?q=par", False),
        ("get", "/api/bookings", False),  # 401 problem
        ("get", "/api/bookings", True),
        ("get", "/api/nothing-here", False),  # 404 problem
        ("post", "/api/holds", True),  # 400 problem
        ("get", "/healthz", False),
    ],
)
def test_api_answers_carry_the_strict_headers(client_of, traveler, method, path, authenticated):
    client = client_of(traveler) if authenticated else client_of(None)

    response = getattr(client, method)(
        path, **({"data": {}, "format": "json"} if method == "post" else {})
    )  # noqa: E501

    assert response["Content-Security-Policy"] == API_CSP
    assert "script-src" not in response["Content-Security-Policy"]  # 'none' via default-src
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_personal_answers_are_not_cached(api_client, traveler):
    from tests.factories.accounts import access_token_for

    access = access_token_for(traveler)
    response = api_client.get("/api/bookings", HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_body_over_64_kb_is_413_and_nothing_is_held(client_of, traveler):
    body = json.dumps({"items": [{"offer_id": "x" * 1000}] * 70})
    assert len(body) > 64 * 1024

    response = client_of(traveler).generic(
        "POST", "/api/holds", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "request-too-large"
    assert response.json()["limit"] == 65536
    assert response["Content-Security-Policy"] == API_CSP
    assert not Hold.objects.exists()


def test_a_body_just_under_the_limit_reaches_the_api(client_of, traveler):
    body = json.dumps({"items": [{"offer_id": "x" * 1000}] * 60})
    assert len(body) < 64 * 1024

    response = client_of(traveler).generic(
        "POST", "/api/holds", body, content_type="application/json"
    )

    assert response.status_code == 400  # parsed and validated (too many / duplicate items)
    assert response.json()["code"] == "validation-error"


def test_a_body_found_too_big_while_reading_is_413_not_500():
    request = RequestFactory().post("/api/holds")

    response = bad_request_view(request, RequestDataTooBig("too big"))

    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "request-too-large"


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_the_front_end_origin_may_call_the_api(api_client):
    preflight = api_client.options(
        "/api/bookings",
        HTTP_ORIGIN=APP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    simple = api_client.get("/api/airports?q=par", HTTP_ORIGIN=APP)

    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == APP
    allowed = preflight["Access-Control-Allow-Headers"]
    assert {"authorization", "content-type", "idempotency-key"} <= set(allowed.split(", "))
    assert "Access-Control-Allow-Credentials" not in preflight
    assert simple["Access-Control-Allow-Origin"] == APP
    assert "retry-after" in simple["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://app.travelguru.example"])
@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_other_origins_get_no_cors_grant(api_client, origin):
    preflight = api_client.options(
        "/api/bookings", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    simple = api_client.get("/api/airports?q=par", HTTP_ORIGIN=origin)

    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Origin" not in simple


def test_no_origin_is_allowed_unless_configured(api_client, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False) is False

    response = api_client.get("/api/airports?q=par", HTTP_ORIGIN=APP)

    assert "Access-Control-Allow-Origin" not in response


# --- production settings, loaded in a child process with production's environment -------

_PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
plain = c.get("/api/nothing", HTTP_HOST="api.travelguru.example")
tls = c.get("/api/nothing", HTTP_HOST="api.travelguru.example", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cors": settings.CORS_ALLOWED_ORIGINS,
    "debug": settings.DEBUG,
    "plain": [plain.status_code, plain.get("Location")],
    "tls": [tls.status_code, tls.get("Strict-Transport-Security"), tls.get("X-Frame-Options"),
            tls.get("Content-Security-Policy")],
}))
"""


def production(**env: str) -> dict:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="travelguru.settings.production",
        DJANGO_SECRET_KEY="probe-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS="api.travelguru.example",
        MEDIA_BUCKET="travelguru-test-media",
        STATIC_BUCKET="travelguru-test-static",
        **env,
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=environment, capture_output=True,
        text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_trusts_api_gateways_forwarded_proto_and_sends_hsts():
    probe = production()

    assert probe["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert probe["debug"] is False
    assert probe["plain"] == [301, "https://api.travelguru.example/api/nothing"]
    status, hsts, frame, csp = probe["tls"]
    assert status == 404
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert frame == "DENY"
    assert csp == API_CSP


def test_production_throttles_and_lockouts_use_a_cache_every_lambda_shares():
    default = production()
    redis = production(CACHE_URL="redis://cache.internal:6379/0")

    assert default["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert redis["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert default["cors"] == []
    assert production(FRONTEND_ORIGIN=APP)["cors"] == [APP]
