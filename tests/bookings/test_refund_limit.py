"""Support agents give money back up to SUPPORT_REFUND_LIMITS per booking; above it, a
supervisor (bookings.refund_any_amount) does. Enforced by booking_cancel itself."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from bookings.errors import RefundAboveLimit, RefundNotAllowed
from bookings.models import Booking, BookingStatus, Payment, Refund, SandboxCharge
from bookings.services.cancellation import booking_cancel
from tests.factories.accounts import UserFactory, log_in_verified, staff_in
from tests.factories.offers import hotel_offer
from tests.factories.trips import trip_for

pytestmark = pytest.mark.django_db
LIMITS = {"EUR": "150", "USD": "1000"}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SUPPORT_REFUND_LIMITS = LIMITS
    roles.roles_sync()


@pytest.fixture
def stay(room_type, day):
    """A trip of `nights` nights from `day` (100, 110, 120 EUR a night, fully refundable)."""

    def make(nights: int) -> Booking:
        return trip_for(UserFactory.create(), hotel_offer(room_type, day, nights))

    return make


def test_a_support_agent_refunds_a_booking_within_the_limit(stay):
    booking = stay(1)  # 100 EUR

    booking_cancel(booking=booking, now=timezone.now(), staff=staff_in(roles.SUPPORT_AGENT))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Refund.objects.get().amount == Decimal("100.00")


def test_above_the_limit_nothing_is_cancelled_and_nothing_refunded(stay):
    booking = stay(2)  # 210 EUR

    with pytest.raises(RefundAboveLimit, match="above your limit of 150 EUR"):
        booking_cancel(booking=booking, now=timezone.now(), staff=staff_in(roles.SUPPORT_AGENT))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.cancel_requested_at is None  # the policy's moment is not fixed by a refusal
    assert not Refund.objects.exists()
    assert SandboxCharge.objects.get().refunded_amount == 0


def test_a_currency_without_a_limit_is_refused_to_support_agents(stay, settings):
    settings.SUPPORT_REFUND_LIMITS = {"USD": "1000"}

    with pytest.raises(RefundAboveLimit):
        booking_cancel(booking=stay(1), now=timezone.now(), staff=staff_in(roles.SUPPORT_AGENT))

    assert not Refund.objects.exists()


def test_refunds_made_before_count_against_the_limit(stay):
    booking = stay(1)  # 100 EUR
    Payment.objects.filter(booking=booking).update(refunded_amount=Decimal("60.00"))

    with pytest.raises(RefundAboveLimit, match=r"after 60\.00 EUR refunded already"):
        booking_cancel(booking=booking, now=timezone.now(), staff=staff_in(roles.SUPPORT_AGENT))


def test_an_admin_refunds_any_amount(stay):
    booking = stay(3)  # 330 EUR

    booking_cancel(booking=booking, now=timezone.now(), staff=staff_in(roles.ADMIN))

    assert Refund.objects.get().amount == Decimal("330.00")


@pytest.mark.parametrize("role", [roles.REVENUE_MANAGER, roles.ANALYST, roles.CONTENT_MODERATOR])
def test_staff_without_the_refund_right_are_refused_by_the_service(stay, role):
    booking = stay(1)

    with pytest.raises(RefundNotAllowed):
        booking_cancel(booking=booking, now=timezone.now(), staff=staff_in(role))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_admin_action_says_which_bookings_were_above_the_limit(stay):
    small, large = stay(1), stay(2)
    client = log_in_verified(Client(), staff_in(roles.SUPPORT_AGENT))
    url = reverse("admin:bookings_booking_changelist")

    page = client.post(
        url,
        {"action": "cancel_and_refund", "_selected_action": [small.pk, large.pk], "post": "yes"},
        follow=True,
    ).content.decode()

    assert "Cancelled 1 booking(s)." in page
    assert f"{large.reference}: Refunding 210.00 EUR" in page
    statuses = dict(Booking.objects.values_list("reference", "status"))
    assert statuses == {small.reference: "cancelled", large.reference: "confirmed"}


@pytest.mark.mariadb
def test_the_limit_is_checked_on_what_is_read_under_the_booking_s_lock(stay):
    booking = stay(1)
    agent = staff_in(roles.SUPPORT_AGENT)

    with CaptureQueriesContext(connection) as queries:
        booking_cancel(booking=booking, now=timezone.now() + timedelta(seconds=1), staff=agent)

    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, q in enumerate(sql) if q.rstrip().endswith("FOR UPDATE"))
    reads = [i for i, q in enumerate(sql) if "bookings_bookingitem" in q and "SELECT" in q]
    assert "bookings_booking" in sql[lock]
    assert reads
    assert lock < reads[0]  # the items (and the refunds made) are read under the lock
