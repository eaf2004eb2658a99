"""A booking's one timeline on its admin page, in the staff member's clock; internal notes
stay internal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from bookings.selectors.support import booking_timeline, local_with_offset
from bookings.services.support import booking_note_add
from notifications.models import Message
from notifications.services import message_send
from tests.factories.accounts import UserFactory, log_in_verified, staff_in
from tests.factories.trips import stay_and_car_for
from travelguru.money import Money

pytestmark = pytest.mark.django_db
SECRET_NOTE = "Traveler sounded upset; supervisor promised a voucher."


@pytest.fixture
def agent():
    roles.roles_sync()
    return staff_in(roles.SUPPORT_AGENT, time_zone="Asia/Tokyo")


@pytest.fixture
def trip(room_type, car, day):
    return stay_and_car_for(UserFactory.create(), room_type, car, day)


def test_the_timeline_tells_the_whole_story_in_order_in_the_staff_clock(trip, agent):
    client = log_in_verified(Client(), agent)
    car = trip.items.get(kind="car")
    client.post(
        reverse("admin:bookings_booking_refund", args=[trip.pk]),
        {"amount": "12.50", "currency": "EUR", "reason": "dirty room", "request_key": "k"},
    )
    client.post(
        reverse("admin:bookings_booking_cancel_item", args=[trip.pk]),
        {"position": car.position, "reason": "no licence"},
    )
    client.post(reverse("admin:bookings_booking_note", args=[trip.pk]), {"text": SECRET_NOTE})

    page = client.get(reverse("admin:bookings_booking_change", args=[trip.pk]))

    rows = page.context["timeline"]
    kinds = [row["event"].kind for row in rows]
    assert kinds[:4] == ["hold", "payment", "charge", "booking"]
    assert kinds[4:] == ["refund", "audit", "refund", "cancellation", "audit", "audit", "note"]
    assert [row["amount"] for row in rows if row["event"].kind == "refund"] == [
        "12.50 EUR",
        "80.00 EUR",
    ]
    assert all(row["at"].endswith("+09:00 (Asia/Tokyo)") for row in rows)
    content = page.content.decode()
    assert "dirty room" in content
    assert SECRET_NOTE in content
    assert "times in Asia/Tokyo" in content


def test_local_times_say_their_offset_and_zone():
    at = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    assert local_with_offset(at, "America/New_York") == "2026-07-01 08:30 -04:00 (America/New_York)"
    assert local_with_offset(at, "") == "2026-07-01 12:30 +00:00 (UTC)"


def test_emails_sent_about_the_booking_are_on_the_timeline(trip):
    confirmation = Message.objects.get(booking=trip)

    assert [e.kind for e in booking_timeline(trip)].count("message") == 0  # queued, not sent
    message_send(confirmation.pk)

    events = [e for e in booking_timeline(trip) if e.kind == "message"]
    assert [(e.title, e.detail) for e in events] == [("Email: booking_confirmed", "sent")]


def test_amounts_on_the_timeline_are_decimal_money_in_the_bookings_currency(trip):
    charge = next(e for e in booking_timeline(trip) if e.kind == "charge")
    assert charge.amount == Money.of("180.00", "EUR")


def test_the_traveler_never_sees_internal_notes(trip, agent, client_of):
    booking_note_add(booking=trip, staff=agent, text=SECRET_NOTE, now=timezone.now())
    api = client_of(trip.user)

    answers = [
        api.get("/api/bookings"),
        api.get(f"/api/bookings/{trip.reference}"),
        api.get("/api/me/export"),
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    for answer in answers:
        assert "voucher" not in answer.content.decode()
        assert "note" not in answer.content.decode().lower()
