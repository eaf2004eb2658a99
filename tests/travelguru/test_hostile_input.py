"""Hostile input is a 4xx problem, never a 500: nesting, text that is not text, error shapes.

Bodies are sent as raw bytes: the test client would itself refuse to encode a lone
surrogate, as any honest client would; an attacker's client does not.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import path
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.models import User
from bookings.models import Booking, Traveler
from travelguru.json_limits import MAX_JSON_DEPTH, JsonTooDeep, json_depth_check
from travelguru.parsers import JSONRenderer

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"

# Every operation that takes a body (the OpenAPI schema's POST and PATCH operations).
WRITES = [
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/token/refresh"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/verify-email"),
    ("POST", "/api/auth/verify-email/resend"),
    ("POST", "/api/auth/password-reset"),
    ("POST", "/api/auth/password-reset/confirm"),
    ("POST", "/api/holds"),
    ("POST", "/api/bookings"),
    ("POST", "/api/bookings/TG-AAAAAA/cancel"),
    ("POST", "/api/reviews"),
    ("POST", "/api/reviews/1/helpful"),
    ("PATCH", "/api/me"),
    ("POST", "/api/payments/stripe/webhook"),
]


def _client(user: User | None = None) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def _assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


# --- nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), WRITES)
@pytest.mark.parametrize("as_traveler", [False, True], ids=["anonymous", "traveler"])
def test_json_nested_a_thousand_deep_is_a_400_on_every_write(method, url, as_traveler, traveler):
    body = "[" * 1000 + "]" * 1000  # 2 KB

    response = _client(traveler if as_traveler else None).generic(
        method, url, body, content_type="application/json"
    )

    problem = _assert_problem(response, 400, "json-too-deep")
    assert problem["limit"] == MAX_JSON_DEPTH


@pytest.mark.parametrize(
    "body",
    [
        '{"a":' * 1000 + "1" + "}" * 1000,
        '{"items": [' + "{" * 500 + "}" * 500 + "]}",
        "[" * 100_000,  # never closed: 100 KB is over the size limit, 413
        "[" * 40_000,  # never closed, under the size limit
    ],
    ids=["objects", "inside-a-field", "huge-unclosed", "unclosed"],
)
def test_every_deep_shape_is_refused_before_parsing(body, traveler):
    response = _client(traveler).generic(
        "POST", "/api/holds", body, content_type="application/json"
    )

    assert response.status_code in (400, 413)
    assert response["Content-Type"] == PROBLEM


def test_deep_json_under_a_json_suffix_media_type_is_refused_too(traveler):
    response = _client(traveler).generic(
        "POST", "/api/holds", "[" * 1000 + "]" * 1000, content_type="application/merge-patch+json"
    )

    assert response.status_code in (400, 415)
    assert response["Content-Type"] == PROBLEM


def test_brackets_inside_strings_are_text_not_nesting(traveler):
    review_text = "[" * 500 + '\\"{' * 100 + "]" * 500
    body = json.dumps({"booking_reference": "TG-AAAAAA", "title": "Fine", "text": review_text})

    response = _client(traveler).generic(
        "POST", "/api/reviews", body, content_type="application/json"
    )

    # Parsed and validated: the booking does not exist, the body was not "too deep".
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] != "json-too-deep"


def _nested(depth: int, inner: object) -> object:
    value = inner
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@settings(max_examples=200)
@given(
    depth=st.integers(min_value=0, max_value=80),
    inner=st.text(alphabet='[]{}"\\ a', max_size=20),
)
def test_depth_check_agrees_with_the_real_depth(depth, inner):
    text = json.dumps(_nested(depth, inner))

    if depth > MAX_JSON_DEPTH:
        with pytest.raises(JsonTooDeep):
            json_depth_check(text)
    else:
        json_depth_check(text)  # no exception


# --- text that is not text ----------------------------------------------------------------


def test_a_lone_surrogate_in_a_choice_field_is_a_400_not_a_500(traveler):
    # The traveler type is a choice whose error message would echo the value.
    body = (
        f'{{"hold_id": "{uuid.uuid4()}", "payment_token": "tok_visa", "travelers": '
        '[{"type": "\\ud800", "first_name": "Ada", "last_name": "Lovelace"}]}'
    )

    response = _client(traveler).generic(
        "POST", "/api/bookings", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    problem = _assert_problem(response, 400, "invalid-text")
    assert list(problem["errors"]) == ["travelers.0.type"]
    assert not Booking.objects.exists()
    assert not Traveler.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "ada@example.com", "password": "a long passphrase 1", '
        '"first_name": "\\ud800", "last_name": "Lovelace"}',
        '{"email": "ada@example.com", "password": "a long passphrase 1", '
        '"first_name": "Ada", "last_name": "Love\\udfff"}',
        '{"email": "ada@example.com\\udc00", "password": "a long passphrase 1", '
        '"first_name": "Ada", "last_name": "Lovelace"}',
        '{"email": "ada@example.com", "password": "\\ud800\\ud800", '
        '"first_name": "Ada", "last_name": "Lovelace"}',
        '{"\\ud800": 1, "email": "ada@example.com", "password": "a long passphrase 1", '
        '"first_name": "Ada", "last_name": "Lovelace"}',
        # Reversed pair: two lone surrogates, not one character.
        '{"email": "ada@example.com", "password": "a long passphrase 1", '
        '"first_name": "\\ude00\\ud83d", "last_name": "Lovelace"}',
    ],
    ids=["value", "tail", "email", "password", "key", "reversed-pair"],
)
def test_a_lone_surrogate_anywhere_in_a_body_is_a_400_and_nothing_is_stored(body):
    response = _client().generic(
        "POST", "/api/auth/register", body, content_type="application/json"
    )

    problem = _assert_problem(response, 400, "invalid-text")
    assert "\\u" in next(iter(problem["errors"].values()))[0]  # described, not echoed
    assert not User.objects.exists()


def test_a_surrogate_pair_is_an_ordinary_character(traveler):
    body = '{"first_name": "Ada \\ud83d\\ude00", "last_name": "Lovelace"}'

    response = _client(traveler).generic("PATCH", "/api/me", body, content_type="application/json")

    assert response.status_code == 200, response.content
    traveler.refresh_from_db()
    assert traveler.first_name == "Ada \U0001f600"


def test_a_lone_surrogate_in_a_profile_update_is_a_400(traveler):
    body = '{"first_name": "\\ud800", "last_name": "Lovelace"}'

    response = _client(traveler).generic("PATCH", "/api/me", body, content_type="application/json")

    _assert_problem(response, 400, "invalid-text")
    traveler.refresh_from_db()
    assert traveler.first_name != "\ud800"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("sort=%ED%A0%80", "sort"),  # an encoded lone surrogate
        ("sort=%ED", "sort"),  # a truncated sequence
        ("location=%ED%A0%80%ED%B0%80", "location"),  # an encoded surrogate pair (CESU-8)
        ("q=%C0%AF", "q"),  # an overlong "/"
        ("q=par&%FF=1", "\ufffd"),  # the name itself
    ],
)
def test_a_query_string_that_is_not_utf8_is_a_400_naming_the_parameter(query, name):
    response = _client().get(f"/api/airports?{query}")

    problem = _assert_problem(response, 400, "invalid-text")
    assert list(problem["errors"]) == [name]


def test_a_percent_encoded_utf8_query_is_ordinary_text(db):
    response = _client().get("/api/airports?q=%C3%A9vora%20%F0%9F%98%80")

    assert response.status_code == 200


def test_the_renderer_writes_an_escape_rather_than_fail():
    rendered = JSONRenderer().render({"detail": '"\ud800" is not a valid choice.'})

    assert json.loads(rendered) == {"detail": '"\ud800" is not a valid choice.'}
    rendered.decode("utf-8")  # valid UTF-8 on the wire


# --- the shape of DRF's own errors --------------------------------------------------------


def test_a_bad_token_is_a_401_with_a_sentence_not_a_python_repr(db):
    response = _client().get("/api/me", HTTP_AUTHORIZATION="Bearer not-a-token")

    problem = _assert_problem(response, 401, "token-not-valid")
    assert problem["detail"] == "Given token not valid for any token type"
    assert problem["title"] == "Invalid or expired token"
    assert "ErrorDetail" not in response.content.decode()
    assert "Bearer" in response["WWW-Authenticate"]


def test_405_and_415_titles_are_fixed_sentences(db):
    not_allowed = _client().put("/api/airports")
    unsupported = _client().generic(
        "POST", "/api/auth/token", b"<a/>", content_type="application/xml"
    )

    assert _assert_problem(not_allowed, 405)["title"] == "Method not allowed"
    assert "PUT" in not_allowed.json()["detail"]
    assert _assert_problem(unsupported, 415)["title"] == "Unsupported media type"
    assert "application/xml" in unsupported.json()["detail"]


class RaiseApi(APIView):
    """Raises the DRF exception named in the URL (this test's URLconf)."""

    authentication_classes: list = []
    EXCEPTIONS = {  # noqa: RUF012
        "parse": exceptions.ParseError(),
        "auth": exceptions.AuthenticationFailed(),
        "unauth": exceptions.NotAuthenticated(),
        "denied": exceptions.PermissionDenied(),
        "notfound": exceptions.NotFound(),
        "method": exceptions.MethodNotAllowed("PUT"),
        "accept": exceptions.NotAcceptable(),
        "media": exceptions.UnsupportedMediaType("text/xml"),
        "throttled": exceptions.Throttled(wait=3),
        "plain": exceptions.APIException(),
    }

    def get(self, request, name):
        raise self.EXCEPTIONS[name]


class BoomApi(APIView):
    def get(self, request):
        raise RuntimeError("boom")


class EchoApi(APIView):
    def post(self, request):
        return Response({"keys": sorted(request.data)})


urlpatterns = [
    path("api/raise/<str:name>", RaiseApi.as_view()),
    path("api/boom", BoomApi.as_view()),
    path("api/echo", EchoApi.as_view()),
    path("plain/boom", BoomApi.as_view()),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("name", list(RaiseApi.EXCEPTIONS))
def test_every_drf_exception_has_a_fixed_title_and_a_human_detail(name):
    response = _client().get(f"/api/raise/{name}")

    exc = RaiseApi.EXCEPTIONS[name]
    problem = _assert_problem(response, exc.status_code)
    assert problem["title"]
    assert "{" not in problem["title"]
    assert problem["detail"]
    assert "{" not in problem["detail"]
    assert "ErrorDetail" not in problem["detail"]


# --- every /api/ answer is problem+json, whatever DEBUG is ---------------------------------


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/hotels/null,null",
        "/api/nothing",
        "/api/bookings/x/y/z",
        "/api/holds/not-uuid",
        "/api/docs/nothing",
        "/api/schema/?format=xml",
    ],
)
def test_an_unmatched_api_path_is_a_404_problem_even_in_debug(settings, debug, url):
    settings.DEBUG = debug

    response = _client().get(url)

    _assert_problem(response, 404, "not-found")


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
def test_a_crash_under_api_is_a_500_problem_even_in_debug(settings, debug):
    settings.DEBUG = debug

    response = _client().get("/api/boom")

    body = _assert_problem(response, 500, "internal")
    assert "boom" not in json.dumps(body)


def test_pages_outside_the_api_keep_their_html_404_in_debug(settings, admin_client):
    settings.DEBUG = True

    response = admin_client.get("/admin/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_the_schema_views_errors_are_json_problems_not_yaml(method):
    response = _client().generic(method, "/api/schema/")

    problem = _assert_problem(response, 405, "method-not-allowed")
    assert problem["title"] == "Method not allowed"
