"""The fuzz stage: hostile shapes sent to every operation of the OpenAPI schema.

Operations are read from the schema itself (a new endpoint is fuzzed without a change
here). Each is called anonymously and as a logged-in traveler (a real Bearer token, so the
Authorization header can be fuzzed too), with every other part of the request valid, so a
hostile value reaches as far into the code as it can. The rule for every answer: never a
5xx; every error application/problem+json with a fixed title and a human detail.

Two tests per operation:
- `test_every_hostile_shape_...`: a fixed matrix, every shape at least once (see SHAPES
  below: bodies, body fields, path and query parameters, headers);
- `test_random_hostile_mixes_...`: hypothesis mixes several hostile values into one request,
  `HOSTILE_FUZZ_EXAMPLES` examples per operation (a few in `make test`, more in .ci/run).

In-process (Django's test client) so it runs in `make test` on SQLite and MariaDB alike;
.ci/run's fuzz stage runs it again on MariaDB with more examples (`make fuzz-hostile`).
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from search.apis.common import today_anywhere
from tests.factories.catalog import AirportFactory, CityFactory
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import ADULT, book, make_hold

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
EXAMPLES = int(os.environ.get("HOSTILE_FUZZ_EXAMPLES", "4"))


@cache
def operations() -> list[tuple[str, str, tuple[dict, ...], tuple[str, ...]]]:
    """(method, path template, parameters, body property names) of every operation."""
    import django

    django.setup()
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for template, item in sorted(schema["paths"].items()):
        for method, op in sorted(item.items()):
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            props = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            found.append(
                (method.upper(), template, tuple(op.get("parameters", [])), tuple(sorted(props)))
            )
    return found


def _op_id(op: tuple) -> str:
    return f"{op[0]} {op[1]}"


# --- the shapes ---------------------------------------------------------------------------

# Whole bodies (raw bytes, content type).
BODIES: dict[str, tuple[bytes, str]] = {
    "nested-1000": (b"[" * 1000 + b"]" * 1000, "application/json"),
    "objects-nested-1000": (b'{"a":' * 1000 + b"1" + b"}" * 1000, "application/json"),
    "unclosed": (b"[" * 5000, "application/json"),
    "not-json": (b"{'a': 1,}", "application/json"),
    "not-utf8": (b'{"a": "\xff\xfe"}', "application/json"),
    "utf16-bom": ('{"a": 1}'.encode("utf-16"), "application/json"),
    "top-level-array": (b"[1, 2, 3]", "application/json"),
    "top-level-string": (b'"hello"', "application/json"),
    "top-level-number": (b"1" * 5000, "application/json"),
    "null": (b"null", "application/json"),
    "empty": (b"", "application/json"),
    "nan": (b'{"a": NaN, "b": -Infinity}', "application/json"),
    "nul-bytes": (b"\x00" * 64, "application/json"),
    "lone-surrogate-key": (b'{"\\ud800": 1}', "application/json"),
    "form": (b"a=1&b=%ED%A0%80&c[]=x", "application/x-www-form-urlencoded"),
    "xml": (b"<a><b/></a>", "application/xml"),
    "multipart": (
        b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n',
        "multipart/form-data; boundary=B",
    ),
    "charset-utf7": (b'{"a": "+2AA-"}', "application/json; charset=utf-7"),
    "vendor-json": (b'{"a": 1}', "application/vnd.api+json"),
}

# Values for one field of an otherwise valid JSON body (raw JSON text).
FIELD_VALUES: dict[str, str] = {
    "lone-surrogate": '"\\ud800"',
    "lone-low-surrogate": '"ab\\udfffcd"',
    "reversed-pair": '"\\ude00\\ud83d"',
    "huge-int": str(10**30),
    "int64-overflow": str(2**63),
    "int64-underflow": str(-(2**63) - 1),
    "int-4400-digits": "9" * 4400,
    "float-overflow": "1e309",
    "negative-zero": "-0.0",
    "fraction": "1.5",
    "nan": "NaN",
    "infinity": "Infinity",
    "number-as-string": '"5"',
    "empty-string": '""',
    "null": "null",
    "true": "true",
    "array": "[]",
    "array-of-objects": "[{}]",
    "object": '{"a": {"b": []}}',
    "nul-byte": '"a\\u0000b"',
    "long-string": json.dumps("x" * 20_000),
    "long-unicode": json.dumps("\U0001f600" * 3000),
    "sql-looking": json.dumps("' OR 1=1 --"),
    "date-zero": '"0000-00-00"',
    "date-far": '"9999-12-31"',
    "date-odd-zone": '"2026-12-31T23:59:59+14:00"',
    "nested-40": "[" * 40 + "]" * 40,
}

# Path parameter values (already URL-encoded where they need to be).
PATH_VALUES = [
    "0", "-1", "9" * 30, str(2**63), "null,null", "%00", "%ED%A0%80", "%FF", "a" * 3000,
    "%F0%9F%98%80", "..%2F..", "%20", "1.5", "1e3", "TG-%00",
]  # fmt: skip

# Query parameter values (as text: the client encodes them; raw bytes in RAW_QUERIES).
QUERY_VALUES = [
    "0", "-1", "9" * 30, str(2**63), "", " ", "\x00", "NaN", "inf", "-inf", "1e309",
    "0000-00-00", "9999-12-31", "0001-01-01", "2026-02-30", "2026-12-31T23:59:59+14:00",
    "2026-12-31T23:59:59-12:00", "x" * 3000, "１２", "a,b,,", "'--", "[]", "{}",
]  # fmt: skip
RAW_QUERIES = ["%ED%A0%80", "%FF%FE", "%C0%AF", "%00", "page=1&page=2", "%"]

HEADERS: dict[str, dict[str, str]] = {
    "bearer-garbage": {"HTTP_AUTHORIZATION": "Bearer not-a-token"},
    "bearer-empty": {"HTTP_AUTHORIZATION": "Bearer"},
    "bearer-two-parts": {"HTTP_AUTHORIZATION": "Bearer a b"},
    "bearer-jwt-shaped": {"HTTP_AUTHORIZATION": "Bearer eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ."},
    "bearer-latin1": {"HTTP_AUTHORIZATION": "Bearer \xe9\xe8\xff"},
    "bearer-long": {"HTTP_AUTHORIZATION": "Bearer " + "a" * 8000},
    "basic": {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="},
    "idempotency-empty": {"HTTP_IDEMPOTENCY_KEY": ""},
    "idempotency-long": {"HTTP_IDEMPOTENCY_KEY": "k" * 256},
    "idempotency-huge": {"HTTP_IDEMPOTENCY_KEY": "k" * 8000},
    "idempotency-latin1": {"HTTP_IDEMPOTENCY_KEY": "cl\xe9\xff"},
    "idempotency-control": {"HTTP_IDEMPOTENCY_KEY": "a\x00b\x07c"},
    "session-odd": {"HTTP_X_SESSION_ID": "\xe9" * 300},
    "accept-html": {"HTTP_ACCEPT": "text/html"},
    "accept-xml-only": {"HTTP_ACCEPT": "application/xml"},
    "accept-garbage": {"HTTP_ACCEPT": ";;;,,/"},
    "forwarded-for": {"HTTP_X_FORWARDED_FOR": "not-an-ip, \xe9"},
}


# --- a world where every operation has something real to act on ---------------------------

# Valid values for the parts of a request not being fuzzed (dates inside the horizon).
_D = today_anywhere() + timedelta(days=20)
VALID_QUERY = {
    "origin": "CDG", "destination": "JFK", "date": _D.isoformat(), "city": "Paris",
    "check_in": _D.isoformat(), "check_out": (_D + timedelta(days=2)).isoformat(),
    "location": "CDG", "pick_up": _D.isoformat(), "drop_off": (_D + timedelta(days=2)).isoformat(),
    "q": "par", "page": "1", "page_size": "5",
}  # fmt: skip


@pytest.fixture
def world(room_type, car, fare, day, traveler):
    """A catalog, a traveler with a token, one active hold and one booking of theirs."""
    from rest_framework_simplejwt.tokens import RefreshToken

    paris = CityFactory.create(name="Paris")
    AirportFactory.create(iata="CDG", city=paris)
    AirportFactory.create(iata="JFK")
    client = APIClient()
    client.force_authenticate(traveler)
    booked = make_hold(client, hotel_offer(room_type, day, 1))
    reference = book(client, booked, travelers=[ADULT]).json()["reference"]
    hold_id = make_hold(client, car_offer(car, day, 1))
    refresh = RefreshToken.for_user(traveler)
    offer = flight_offer(fare)
    return {
        "token": str(refresh.access_token),
        "path": {
            "hotel_id": str(room_type.hotel_id),
            "subject_id": str(room_type.hotel_id),
            "offer_id": offer,
            "hold_id": hold_id,
            "reference": reference,
            "review_id": "1",
        },
        "body": {
            "email": "fuzz@example.com",
            "password": "a long passphrase 1",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "username": "fuzzer",
            "refresh": str(refresh),
            "items": [{"offer_id": offer}],
            "hold_id": hold_id,
            "travelers": [ADULT],
            "payment_token": "tok_visa",
            "booking_reference": reference,
            "rating": 4,
            "title": "Fine stay",
            "text": "A fine stay, nothing to add here.",
            "sub_scores": {},
        },
    }


def _request(
    world: dict,
    op: tuple,
    *,
    as_traveler: bool,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    raw_query: str | None = None,
    body: bytes | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
):
    method, template, params, props = op
    values = {**world["path"], **(path or {})}
    url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), template)
    names = [p["name"] for p in params if p["in"] == "query"]
    q = {n: VALID_QUERY[n] for n in names if n in VALID_QUERY} | (query or {})
    if q or raw_query:
        url += "?" + "&".join(filter(None, [urlencode(q), raw_query]))
    if body is None and (props or method in ("POST", "PATCH", "PUT")):
        body = json.dumps({p: world["body"].get(p, "x") for p in props}).encode()
    extra = {"HTTP_IDEMPOTENCY_KEY": "fuzz-key-1"}
    if as_traveler:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {world['token']}"
    extra |= headers or {}
    client = APIClient(raise_request_exception=False)
    kwargs = {"content_type": content_type} if body is not None else {}
    return client.generic(method, url, body or b"", **kwargs, **extra)


def assert_sane(response, what: str) -> None:
    """Never a 5xx; every error a problem with a fixed title and a human detail."""
    where = f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response.status_code < 500, where
    text = response.content.decode("utf-8")  # what we send is always valid UTF-8
    if response.status_code < 400:
        return
    assert response["Content-Type"] == PROBLEM, where
    problem = json.loads(text)
    assert problem["status"] == response.status_code, where
    assert problem["type"].startswith("https://travelguru.example/problems/"), where
    assert isinstance(problem["title"], str), where
    assert problem["title"], where
    assert "{" not in problem["title"], where
    assert isinstance(problem["detail"], str), where
    assert "ErrorDetail" not in problem["detail"], where


def _field_body(world: dict, props: tuple[str, ...], field: str, raw_value: str) -> bytes:
    parts = [
        f"{json.dumps(p)}: {raw_value if p == field else json.dumps(world['body'].get(p, 'x'))}"
        for p in props
    ]
    return ("{" + ", ".join(parts) + "}").encode()


@pytest.mark.parametrize("op", operations(), ids=_op_id)
@pytest.mark.parametrize("as_traveler", [False, True], ids=["anonymous", "traveler"])
def test_every_hostile_shape_reaches_every_operation_and_is_answered_sanely(world, op, as_traveler):
    method, template, params, props = op
    sent = 0

    def send(what: str, **kwargs: Any) -> None:
        nonlocal sent
        assert_sane(_request(world, op, as_traveler=as_traveler, **kwargs), what)
        sent += 1

    baseline = _request(world, op, as_traveler=as_traveler)
    assert_sane(baseline, "baseline")
    for name, (body, content_type) in BODIES.items():
        send(f"body {name}", body=body, content_type=content_type)
    for name, headers in HEADERS.items():
        send(f"header {name}", headers=headers)
    if baseline.status_code == 401:
        # Refused before its input is read: the parts below reach the operation only with
        # a login (the traveler's run), and the URL is resolved the same way in both runs.
        return
    for field in props:
        for name, raw in FIELD_VALUES.items():
            send(f"field {field}={name}", body=_field_body(world, props, field, raw))
    for param in (p["name"] for p in params if p["in"] == "path"):
        for value in PATH_VALUES:
            send(f"path {param}={value[:20]}", path={param: value})
    query_names = [p["name"] for p in params if p["in"] == "query"]
    for value in QUERY_VALUES:  # every query parameter at once, then each alone below
        send(f"query all={value[:20]!r}", query=dict.fromkeys(query_names, value))
    for name in query_names:
        for value in ("-1", "9" * 30, "\x00", "0000-00-00"):
            send(f"query {name}={value[:20]!r}", query={name: value})
    for raw in RAW_QUERIES:
        send(f"raw query {raw}", raw_query="&".join(f"{n}={raw}" for n in query_names) or raw)


path_value = st.one_of(st.sampled_from(PATH_VALUES), st.text(max_size=40).map(quote))
query_value = st.one_of(st.sampled_from(QUERY_VALUES), st.text(max_size=60))
field_value = st.one_of(
    st.sampled_from(list(FIELD_VALUES.values())),
    st.integers().map(str),
    st.text(max_size=60).map(json.dumps),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    ).map(json.dumps),
)


@pytest.mark.parametrize("op", operations(), ids=_op_id)
@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(data=st.data())
def test_random_hostile_mixes_are_answered_sanely(world, op, data):
    method, template, params, props = op
    path_names = [p["name"] for p in params if p["in"] == "path"]
    query_names = [p["name"] for p in params if p["in"] == "query"]
    kwargs: dict[str, Any] = {"as_traveler": data.draw(st.booleans(), label="as_traveler")}
    if path_names:
        kwargs["path"] = data.draw(st.dictionaries(st.sampled_from(path_names), path_value))
    if query_names:
        kwargs["query"] = data.draw(st.dictionaries(st.sampled_from(query_names), query_value))
    if props:
        fields = data.draw(st.dictionaries(st.sampled_from(props), field_value, max_size=3))
        body = {p: json.dumps(world["body"].get(p, "x")) for p in props} | fields
        kwargs["body"] = (
            "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in body.items()) + "}"
        ).encode()
    if data.draw(st.booleans(), label="odd headers"):
        kwargs["headers"] = data.draw(st.sampled_from(list(HEADERS.values())))

    assert_sane(_request(world, op, **kwargs), f"{method} {template} {kwargs}"[:400])
