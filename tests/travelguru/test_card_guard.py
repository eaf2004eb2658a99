"""Invariant 5 at every write endpoint: a card number is refused before anything runs."""

import json
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.models import Booking, Hold, HoldStatus, IdempotencyRecord, Traveler
from catalog.models import City
from tests.factories.offers import hotel_offer
from tests.flows import ADULT, assert_problem, make_hold
from tests.travelguru.test_card_roads import json_escaped, utf7_shifted
from travelguru.cards import contains_card_number, looks_like_card_number, luhn_valid

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/register", {"email": "a@b.co", "password": CARD, "first_name": "A",
                                "last_name": "B"}),
        ("/api/auth/token", {"email": "a@b.co", "password": CARD}),
        ("/api/holds", {"items": [{"offer_id": CARD}]}),
        ("/api/bookings", {"hold_id": "x", "travelers": [], "payment_token": CARD}),
        ("/api/bookings/TG-AAAAAA/cancel", {"reason": CARD}),
        ("/api/me", {"first_name": CARD}),
        ("/api/auth/token/refresh", {"refresh": CARD}),
        ("/api/reviews", {"booking_reference": "TG-AAAAAA", "rating": 5, "title": "Fine",
                          "text": f"Paid with {CARD}, all good."}),
        ("/api/reviews/1/helpful", {"note": CARD}),
    ],
)  # fmt: skip
def test_every_write_endpoint_refuses_card_numbers(api_client, path, body):
    method = api_client.patch if path == "/api/me" else api_client.post

    response = method(path, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "card-number-refused"


@pytest.mark.parametrize(
    ("text", "is_card"),
    [
        ("4242424242424242", True),
        ("4242-4242-4242-4242", True),
        ("my card is 5555 5555 5555 4444, exp 12/30", True),
        ("378282246310005", True),  # Amex, 15 digits
        ("4242424242424241", False),  # Luhn fails
        ("424242424242", False),  # 12 digits
        ("order 12345678901234567890123", False),  # 23 digits
        ("3f2b1c7e-8a9d-4e6f-b0c1-123456789012", False),  # a UUID
        ("+44 20 7946 0958", False),
    ],
)
def test_what_counts_as_a_card_number(text, is_card):
    assert looks_like_card_number(text) is is_card


def test_luhn():
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def luhn_complete(body: str) -> str:
    """`body` plus the check digit that makes it Luhn-valid."""
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


@given(
    body=st.text(alphabet="0123456789", min_size=12, max_size=18),
    separator=st.sampled_from(["", " ", "-", ".", "\u00a0", "\t", "\n", " - ", "\u2013"]),
    field=st.sampled_from(["payment_token", "note", "travelers.0.last_name", "deep.list.1"]),
)
def test_any_luhn_valid_13_to_19_digits_in_any_field_spaced_or_not_is_caught(
    body, separator, field
):
    digits = luhn_complete(body)
    card = separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))

    def document(value: str) -> dict:
        data: dict = {}
        node = data
        *parents, leaf = field.split(".")
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = f"x {value} y"
        return data

    assert contains_card_number(document(card))
    assert not contains_card_number(document("tok_visa"))


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"payment_token={CARD.replace(' ', '+')}&a=b"),
        ("application/json", '{"payment_token": "4111111111111111", broken'),
        ("text/plain", f"card {CARD}"),
        ("multipart/form-data; boundary=x", f'--x\r\nContent-Disposition: form-data; name="n"'
                                            f"\r\n\r\n{CARD}\r\n--x--\r\n"),
    ],
)  # fmt: skip
def test_card_numbers_in_bodies_of_any_shape_are_refused(api_client, content_type, body):
    response = api_client.generic("POST", "/api/holds", body, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["code"] == "card-number-refused"


def test_a_body_that_is_not_json_and_holds_no_card_gets_the_usual_answer(api_client):
    response = api_client.generic(
        "POST", "/api/auth/token", "email=a@b.co&password=x",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip

    assert_problem(response, 415, "unsupported-media-type")


# --- every road: what the parser sees, the address, headers, the admin (issue 15) ---

PROBLEM = "application/problem+json"
CARD_DIGITS = "4242424242424242"


def escaped(text: str) -> str:
    return text.replace(CARD_DIGITS, json_escaped(CARD_DIGITS))


def _booking_body(hold_id: str, last_name: str) -> str:
    return json.dumps({"hold_id": hold_id, "travelers": [{**ADULT, "last_name": last_name}],
                       "payment_token": "tok_visa"})  # fmt: skip


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        ("application/json; charset=cp037", lambda text: text.encode("cp037")),
        ("application/json; charset=utf-7",
         lambda text: text.replace(CARD_DIGITS, utf7_shifted(CARD_DIGITS)).encode()),
        ("*/*", lambda text: escaped(text).encode()),
        ("application/*", lambda text: escaped(text).encode()),
        ("application/vnd.travelguru+json", lambda text: escaped(text).encode()),
    ],
)  # fmt: skip
def test_a_card_in_a_traveler_name_books_nothing_whatever_the_body_declares(
    client_of, traveler, room_type, day, content_type, encode
):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    response = client.generic(
        "POST", "/api/bookings", encode(_booking_body(hold_id, CARD_DIGITS)),
        content_type=content_type, HTTP_IDEMPOTENCY_KEY="k-1",
    )  # fmt: skip

    assert response.status_code in (400, 415)
    assert response["Content-Type"] == PROBLEM
    assert not Booking.objects.exists()
    assert not Traveler.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert Hold.objects.get().status == HoldStatus.ACTIVE


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/json; charset=UTF8",
     'application/json; charset="utf-8"', "Application/JSON"],
)  # fmt: skip
def test_json_in_utf8_is_booked_however_utf8_is_spelled(
    client_of, traveler, room_type, day, content_type
):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    response = client.generic(
        "POST", "/api/bookings", _booking_body(hold_id, "Lovelace").encode(),
        content_type=content_type, HTTP_IDEMPOTENCY_KEY="k-1",
    )  # fmt: skip

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "content_type",
    ["*/*", "application/*", "application/vnd.api+json", "text/plain", "text/json",
     "application/json; charset=latin-1", "application/json; charset=utf-16",
     "application/json; charset=utf-8-sig", "application/json; charset=no-such-charset",
     "application/json; charset=idna", "application/json; charset=bz2_codec",
     "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)  # fmt: skip
def test_a_body_the_api_does_not_document_is_415_before_anything_runs(
    client_of, traveler, room_type, day, content_type
):
    client = client_of(traveler)
    offer = hotel_offer(room_type, day, 1)

    body = {"items": [{"offer_id": offer}], "note": "Zürich \udcff"}  # bytes no codec likes
    response = client.generic(
        "POST", "/api/holds",
        json.dumps(body, ensure_ascii=False).encode("utf-8", errors="surrogateescape"),
        content_type=content_type,
    )  # fmt: skip

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "unsupported-media-type"
    assert body["accepted"] == ["application/json; charset=utf-8"]
    assert "{" not in body["title"] + body["detail"]  # no unfilled placeholder
    assert not Hold.objects.exists()


def test_the_parser_itself_takes_only_utf8_json():
    import io

    from rest_framework.exceptions import ParseError, UnsupportedMediaType

    from travelguru.parsers import JSONParser

    parser = JSONParser()
    card = '{"n": "4242 4242 4242 4242"}'

    assert parser.parse(io.BytesIO(b'{"a": 1}'), "application/json", {}) == {"a": 1}
    for media_type, context in [
        ("application/json; charset=cp037", {"encoding": "cp037"}),
        ("application/json", {"encoding": "cp037"}),  # Django's reading of the charset
        ("*/*", {}),
        ("application/vnd.x+json", {}),
    ]:
        with pytest.raises(UnsupportedMediaType):
            parser.parse(io.BytesIO(card.encode("cp037")), media_type, context)
    with pytest.raises(ParseError):
        parser.parse(io.BytesIO(b"[" * 5000), "application/json", {})  # not a RecursionError


def luhn_card(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


SEPARATORS = ["", " ", "-", ".", "\u00a0", "\t", " - ", "\u2013"]
URL_ENCODINGS = {
    "percent": lambda text: quote(text, safe=""),
    "plus": quote_plus,
    "every byte": lambda text: "".join(f"%{b:02X}" for b in text.encode()),
}
PATHS = ["/", "/admin/", "/admin/login/", "/static/admin/css/base.css", "/healthz",
         "/api/hotels/search", "/api/bookings", "/api/docs/", "/hotels",
         "/no/such/page"]  # fmt: skip


@given(
    body=st.text(alphabet="0123456789", min_size=12, max_size=18),
    separator=st.sampled_from(SEPARATORS),
    encoding=st.sampled_from(sorted(URL_ENCODINGS)),
    path=st.sampled_from(PATHS),
    shape=st.sampled_from(["q={}", "a=1&q={}", "q=x&q={}", "{}", "{}=x", "a=1&q=x+{}+y"]),
)
def test_a_card_in_the_query_string_of_any_path_is_refused(
    api_client, body, separator, encoding, path, shape
):
    digits = luhn_card(body)
    card = separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    query = shape.format(URL_ENCODINGS[encoding](card))

    response = api_client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "card-number-refused"


def test_a_card_declared_in_another_charset_in_the_query_string_is_refused(api_client):
    """Django decodes a query string's bytes in the charset a Content-Type names, even on a
    GET: in cp037 no byte of a card number is an ASCII digit."""
    raw = f"q={CARD_DIGITS}".encode("cp037").decode("latin-1")  # WSGI's str for raw bytes

    response = api_client.generic(
        "GET", "/api/airports", content_type="text/plain; charset=cp037", QUERY_STRING=raw
    )

    assert response.status_code == 400
    # Refused either as a card or, before the card guard, as a query that is not UTF-8 text.
    assert response.json()["code"] in ("card-number-refused", "invalid-text")


@pytest.mark.parametrize(
    "header",
    ["HTTP_USER_AGENT", "HTTP_X_SESSION_ID", "HTTP_IDEMPOTENCY_KEY",
     "HTTP_ORIGIN", "HTTP_X_FORWARDED_FOR", "HTTP_ACCEPT_LANGUAGE", "HTTP_X_ANYTHING"],
)  # fmt: skip
@pytest.mark.parametrize("value", [CARD_DIGITS, "4242 4242 4242 4242",
                                   "https://x.example/?n=4242+4242+4242+4242"])  # fmt: skip
def test_a_card_in_a_header_is_refused(api_client, header, value):
    response = api_client.get("/api/config", **{header: value})

    assert_problem(response, 400, "card-number-refused")
    assert response["Content-Type"] == PROBLEM
    assert "header" in response.json()["detail"]


def test_a_card_in_the_referer_is_let_through_for_the_logs_to_mask(api_client):
    """The traveler app keeps search forms in the page's address: a card typed into one
    must not make every later call from that page fail. The Referer is stored nowhere."""
    response = api_client.get(
        "/api/config", HTTP_REFERER="https://travelguru.example/hotels?q=4242+4242+4242+4242"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "raw",
    [CARD_DIGITS, quote("4242 4242 4242 4242"),
     '"' + "".join(f"\\{ord(c):03o}" for c in CARD_DIGITS) + '"'],  # Django unquotes octal
)  # fmt: skip
def test_a_card_in_the_session_cookie_is_refused(api_client, raw):
    response = api_client.get("/api/config", HTTP_COOKIE=f"tg_sid={raw}")

    assert response.status_code == 400
    assert response.json()["code"] == "card-number-refused"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        # A trace id whose digits happen to pass Luhn: machine-made, never logged by us.
        ("HTTP_X_AMZN_TRACE_ID", f"Root=1-67891233-{CARD_DIGITS}abcdef12"),
        ("HTTP_IF_NONE_MATCH", f'"{CARD_DIGITS}"'),
        ("HTTP_AUTHORIZATION", f"Bearer {CARD_DIGITS}"),
    ],
)
def test_machine_made_headers_are_not_read_as_cards(api_client, header, value):
    response = api_client.get("/api/config", **{header: value})

    assert response.status_code != 400


def test_a_card_in_a_delete_body_is_refused_and_the_hold_stays(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    response = client.delete(f"/api/holds/{hold_id}", {"reason": CARD_DIGITS}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "card-number-refused"
    assert Hold.objects.get().status == HoldStatus.ACTIVE


CITY = {"geonameid": "990001", "country_code": "FR", "country_name": "France",
        "latitude": "1", "longitude": "2", "timezone": "Europe/Paris", "population": "1",
        "currency": "EUR"}  # fmt: skip


def test_staff_store_a_city_through_the_admin_form(admin_client):
    response = admin_client.post("/admin/catalog/city/add/", {**CITY, "name": "Lyon"})

    assert response.status_code == 302
    assert City.objects.get().name == "Lyon"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded",
         "&".join(f"{k}={quote_plus(v)}"
                  for k, v in {**CITY, "name": "4242 4242 4242 4242"}.items()).encode()),
        ("multipart/form-data; boundary=b",
         b"".join(f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                  for k, v in CITY.items())
         + b'--b\r\nContent-Disposition: form-data; name="name"\r\n'
           b"Content-Transfer-Encoding: base64\r\n\r\nNDI0MjQyNDI0MjQyNDI0Mg==\r\n--b--\r\n"),
        ("application/x-www-form-urlencoded; charset=cp037",
         "&".join(f"{k}={v}" for k, v in {**CITY, "name": CARD_DIGITS}.items()).encode("cp037")),
    ],
)  # fmt: skip
def test_staff_cannot_store_a_card_through_an_admin_form(admin_client, content_type, body):
    response = admin_client.generic("POST", "/admin/catalog/city/add/", body,
                                    content_type=content_type)  # fmt: skip

    assert response.status_code in (400, 415)
    assert response["Content-Type"] == PROBLEM
    assert not City.objects.exists()
