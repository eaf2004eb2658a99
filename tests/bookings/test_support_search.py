"""The bookings changelist's one search box: each way a traveler on the phone names their
booking finds it, and only it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import roles
from bookings.models import Booking, Payment
from bookings.selectors.support import bookings_search
from bookings.services.bookings import TravelerIn
from tests.factories.accounts import UserFactory, log_in_verified
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer
from tests.factories.trips import trip_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_trips(day):
    """Grace's stay at the Hotel Lumière from `day` (2 nights), and Alan's at the Grand
    Budapest a week later: each search must tell them apart."""
    from decimal import Decimal

    lumiere = RoomTypeFactory.create(hotel__name="Hotel Lumière", hotel__currency="EUR")
    grand = RoomTypeFactory.create(hotel__name="Grand Budapest", hotel__currency="EUR")
    room_nights(lumiere, day, 2, price=Decimal("100.00"), rooms_total=3)
    room_nights(grand, day + timedelta(days=7), 2, price=Decimal("90.00"), rooms_total=3)
    grace = trip_for(
        UserFactory.create(email="grace.hopper@example.com"),
        hotel_offer(lumiere, day, 2),
        travelers=[TravelerIn(type="adult", first_name="Grace", last_name="Hopper")],
    )
    alan = trip_for(
        UserFactory.create(email="alan@example.org"),
        hotel_offer(grand, day + timedelta(days=7), 2),
        travelers=[TravelerIn(type="adult", first_name="Alan", last_name="Turing")],
    )
    return grace, alan


def found(term: str) -> list[str]:
    return sorted(b.reference for b in bookings_search(Booking.objects.all(), term))


def test_by_reference_in_any_case(two_trips):
    grace, _ = two_trips
    assert found(grace.reference.lower()) == [grace.reference]


def test_by_email_whole_or_its_beginning_in_any_case(two_trips):
    grace, alan = two_trips
    assert found("Grace.Hopper@Example.com") == [grace.reference]
    assert found("alan@") == [alan.reference]


@pytest.mark.parametrize("term", ["Hopper", "hopp", "Grace", "Grace Hopper", "hopper grace"])
def test_by_a_travelers_name(two_trips, term):
    grace, _ = two_trips
    assert found(term) == [grace.reference]


def test_by_date_of_travel_any_day_the_stay_runs(two_trips, day):
    grace, alan = two_trips
    assert found(day.isoformat()) == [grace.reference]  # check-in day
    assert found((day + timedelta(days=2)).isoformat()) == [grace.reference]  # check-out day
    assert found((day + timedelta(days=3)).isoformat()) == []
    assert found((day + timedelta(days=8)).isoformat()) == [alan.reference]


def test_by_hotel_name_or_part_of_it(two_trips):
    grace, alan = two_trips
    assert found("Lumière") == [grace.reference]
    assert found("budapest") == [alan.reference]


def test_by_the_providers_payment_reference(two_trips):
    grace, _ = two_trips
    charge = Payment.objects.get(booking=grace).provider_ref  # ch_sandbox_… (pi_… on Stripe)
    assert found(charge) == [grace.reference]


def test_by_a_stripe_payment_intent_id(two_trips):
    _, alan = two_trips
    Payment.objects.filter(booking=alan).update(provider_ref="pi_3PqRsTuVwXyZ012")
    assert found("pi_3PqRsTuVwXyZ012") == [alan.reference]


@pytest.mark.parametrize("term", ["nobody", "2099-02-30", "TG-ZZZZZZ", "pi_nothing", "%", "'"])
def test_nothing_matching_finds_nothing_and_never_fails(two_trips, term):
    assert found(term) == []


def test_the_changelist_search_box_finds_by_email(two_trips):
    grace, _ = two_trips
    roles.roles_sync()
    agent = UserFactory.create(is_staff=True)
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    client = log_in_verified(Client(), agent)

    page = client.get(reverse("admin:bookings_booking_changelist"), {"q": "grace.hopper@"})

    assert page.status_code == 200
    assert [b.reference for b in page.context["cl"].result_list] == [grace.reference]
