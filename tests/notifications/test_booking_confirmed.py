"""A booking's confirmation e-mail: queued with the booking, sent after the commit, in the
language the traveler booked in, with every item on the place's clock and a calendar file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import icalendar
import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from bookings.models import Booking
from notifications.models import Message, MessageStatus
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer
from tests.flows import book, make_hold

pytestmark = pytest.mark.django_db


def _paris_stay(day: date, nights: int = 2):
    room_type = RoomTypeFactory.create(
        hotel__city__timezone="Europe/Paris", hotel__currency="EUR", hotel__name="Hôtel du Nord"
    )
    room_nights(room_type, day, nights, price=Decimal("1234.50"), rooms_total=2)
    return room_type


def test_booking_sends_one_confirmation_with_the_trip_in_the_travelers_language(
    client_of, traveler, day: date, django_capture_on_commit_callbacks
):
    # given a traveler booking a Paris stay from a French browser
    room_type = _paris_stay(day)
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 2))

    # when they book it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/bookings",
            {"hold_id": hold_id, "travelers": [{"first_name": "Ada", "last_name": "Lovelace",
                                                 "type": "adult"}], "payment_token": "tok_visa"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="confirm-fr-1",
            HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5",
        )  # fmt: skip
    assert response.status_code == 201, response.content

    # then one message was written with the booking, in French, and sent
    booking = Booking.objects.get()
    message = Message.objects.get()
    assert (message.booking, message.user, message.kind) == (booking, traveler, "booking_confirmed")
    assert (message.language, message.status, message.to_email) == ("fr", "sent", traveler.email)
    assert message.subject == f"Votre voyage {booking.reference} est réservé"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert isinstance(sent, EmailMultiAlternatives)
    assert sent.to == [traveler.email]
    assert sent.subject == message.subject
    # the check-in on Paris's clock with its offset, the price in French digits
    check_in = booking.items.get().service_start
    assert check_in.hour in (13, 14)  # 15:00 in Paris, UTC+1 or +2
    assert "15:00 (UTC+0" in sent.body
    assert "Europe/Paris" in sent.body
    assert "2\u00a0469,00\u00a0EUR" in sent.body  # two nights at 1,234.50
    assert "Ada Lovelace" in sent.body
    assert f"/trips/{booking.reference}" in sent.body
    html, mimetype = sent.alternatives[0]
    assert isinstance(html, str)
    assert mimetype == "text/html"
    assert "Votre voyage" in html
    assert 'lang="fr"' in html


def test_the_calendar_file_has_one_event_per_item_at_the_places_time(
    client_of, traveler, day: date, django_capture_on_commit_callbacks
):
    # given a booked Paris stay
    room_type = _paris_stay(day)
    client = client_of(traveler)
    with django_capture_on_commit_callbacks(execute=True):
        assert book(client, make_hold(client, hotel_offer(room_type, day, 2))).status_code == 201

    # when the confirmation is read
    filename, content, mimetype = mail.outbox[0].attachments[0]

    # then its calendar has the stay as one event, in Paris time with the zone defined
    booking = Booking.objects.get()
    assert (filename, mimetype) == (f"{booking.reference}.ics", "text/calendar")
    cal = icalendar.Calendar.from_ical(content)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    start = events[0].decoded("dtstart")
    assert isinstance(start, datetime)
    assert str(start.tzinfo) == "Europe/Paris"
    assert (start.hour, start.minute) == (15, 0)
    assert start == booking.items.get().service_start
    assert events[0].decoded("dtend").date() == day + timedelta(days=2)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert "DTSTART;TZID=Europe/Paris:" in content


def test_a_failed_booking_queues_no_message(
    client_of, traveler, day: date, django_capture_on_commit_callbacks
):
    # given a stay, and a card that is declined
    room_type = _paris_stay(day)
    client = client_of(traveler)

    # when the booking fails
    with django_capture_on_commit_callbacks(execute=True):
        response = book(
            client, make_hold(client, hotel_offer(room_type, day, 2)), token="tok_chargeDeclined"
        )

    # then nothing was written or sent
    assert response.status_code == 402
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_a_provider_outage_leaves_the_message_pending_and_the_booking_made(
    client_of, traveler, day: date, settings, django_capture_on_commit_callbacks
):
    # given the e-mail provider is down
    settings.EMAIL_BACKEND = "tests.notifications.backends.DownBackend"
    room_type = _paris_stay(day)
    client = client_of(traveler)

    # when the traveler books
    with django_capture_on_commit_callbacks(execute=True):
        response = book(client, make_hold(client, hotel_offer(room_type, day, 2)))

    # then the booking is made and its message waits for the retry job
    assert response.status_code == 201
    message = Message.objects.get()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert "provider down" in message.last_error
    assert message.next_attempt_at is not None


@pytest.mark.parametrize(
    ("when", "offset_hours"), [(datetime(2027, 7, 10, 13, 0, tzinfo=UTC), 2),
                               (datetime(2027, 1, 10, 14, 0, tzinfo=UTC), 1)],
)  # fmt: skip
def test_the_calendars_zone_gives_the_places_offset_on_the_trips_dates(when, offset_hours):
    """The VTIMEZONE covers the trip's years only (cheap to build), and a reader using it
    alone puts the stay at the right instant, in summer and in winter time."""
    from notifications.ics import booking_calendar

    item = {
        "position": 0, "description": "Paris stay", "start": when, "start_zone": "Europe/Paris",
        "end": when + timedelta(days=2), "end_zone": "Europe/Paris",
    }  # fmt: skip
    attachment = booking_calendar({"reference": "TG-ABCDEF", "booked_at": when, "items": [item]})

    cal = icalendar.Calendar.from_ical(attachment.content)
    [vtimezone] = cal.walk("VTIMEZONE")
    assert isinstance(vtimezone, icalendar.Timezone)
    zone = vtimezone.to_tz()
    local = cal.walk("VEVENT")[0].decoded("dtstart").replace(tzinfo=None)
    assert (local.hour, local.minute) == (when.hour + offset_hours, 0)
    assert local.replace(tzinfo=zone).utcoffset() == timedelta(hours=offset_hours)
    assert local.replace(tzinfo=zone) == when
