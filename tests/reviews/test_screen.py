"""The automatic screen flags obvious abuse for staff; it never publishes or rejects."""

import pytest

from reviews.services import review_screen

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "text", "flags"),
    [
        ("Nice stay", "Clean room and friendly staff, would come back.", []),
        ("Deals", "Cheaper at https://example.com/deal", ["link"]),
        ("Deals", "Book on www.example.org instead", ["link"]),
        ("Hi", "<b>bold</b> claims about the hotel here", ["html"]),
        ("Great", "great great great great great great hotel", ["repeated-text"]),
        ("Great", "Sooooooooooooooooo good, loved every minute of it", ["repeated-text"]),
        ("Awful", "The manager was an asshole to us all week long", ["profanity"]),
        ("WORST HOTEL EVER", "THE ROOM WAS DIRTY AND THE STAFF RUDE", ["shouting"]),
    ],
)
def test_flags(title, text, flags):
    assert review_screen(title=title, text=text) == flags


def test_copied_text_is_flagged(trip_of, traveler, room_type, day, client_of):
    from tests.factories.offers import hotel_offer

    text = "Clean room and friendly staff, would come back."
    booking = trip_of(traveler, hotel_offer(room_type, day, 1))
    client_of(traveler).post(
        "/api/reviews",
        {"booking_reference": booking.reference, "rating": 5, "title": "Nice", "text": text},
        format="json",
    )

    assert review_screen(title="Nice", text=text) == ["duplicate"]
