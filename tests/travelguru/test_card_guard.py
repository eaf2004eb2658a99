"""Invariant 5 at every write endpoint: a card number is refused before anything runs."""

import pytest

from travelguru.cards import looks_like_card_number, luhn_valid

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
