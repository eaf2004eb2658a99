"""Invariant 5 at every write endpoint: a card number is refused before anything runs."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    separator=st.sampled_from(["", " ", "-"]),
    field=st.sampled_from(["payment_token", "note", "travelers.0.last_name", "deep.list.1"]),
)
def test_any_luhn_valid_13_to_19_digits_in_any_field_spaced_or_not_is_caught(
    body, separator, field
):
    digits = luhn_complete(body)
    card = separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    data: dict = {}
    node = data
    *parents, leaf = field.split(".")
    for name in parents:
        node = node.setdefault(name, {})
    node[leaf] = f"x {card} y"

    assert contains_card_number(data)
    assert not contains_card_number(json.loads(json.dumps(data).replace(card, "tok_visa")))


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

    assert response.status_code == 415
