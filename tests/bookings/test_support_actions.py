"""Customer service's actions on a booking's admin page: each one's effect, its audit entry,
and what a refusal leaves untouched."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts import roles
from audit.models import AuditEntry
from bookings.errors import (
    InvalidRefundAmount,
    ItemNotCancellable,
    NameChangeTooLarge,
    ReasonRequired,
    RefundAboveLimit,
    RefundAboveRemaining,
    RefundAlreadyRequested,
    RefundNotAllowed,
    SupportActionNotAllowed,
)
from bookings.models import (
    Booking,
    BookingNote,
    BookingStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    SandboxCharge,
)
from bookings.services import support
from bookings.services.support import edit_distance, name_correction_allowed
from catalog.models import CarDay, RoomNight
from notifications.models import Message
from tests.factories.accounts import log_in_verified, staff_in
from tests.notifications.rendered import rendered
from travelguru.money import Money

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_roles")]


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def refund_partial(booking, staff, amount: Money, *, reason="x", request_key="k") -> Refund:
    """A partial refund asked of the service now, as the admin's form asks it."""
    return support.booking_refund_partial(
        booking=booking, staff=staff, amount=amount, reason=reason, request_key=request_key,
        now=timezone.now(),
    )  # fmt: skip


# --- partial refund ------------------------------------------------------------------------


def test_a_partial_refund_gives_back_the_amount_and_keeps_the_booking(trip, agent):
    refund = refund_partial(trip, agent, eur("30.00"), reason="noisy room", request_key="k1")

    assert (refund.amount, refund.currency, refund.status) == (
        Decimal("30.00"),
        "EUR",
        RefundStatus.SUCCEEDED,
    )
    assert refund.provider_ref.startswith("re_sandbox_")
    payment = Payment.objects.get(booking=trip)
    assert (payment.refunded_amount, payment.status) == (Decimal("30.00"), PaymentStatus.SUCCEEDED)
    assert SandboxCharge.objects.get().refunded_amount == Decimal("30.00")  # the provider's side
    trip.refresh_from_db()
    assert trip.status == BookingStatus.CONFIRMED


def test_a_refund_above_what_remains_paid_is_refused_and_changes_nothing(trip, agent):
    refund_partial(trip, agent, eur("120.00"), reason="goodwill", request_key="k1")

    with pytest.raises(RefundAboveRemaining, match="remains"):
        refund_partial(trip, staff_in(roles.ADMIN), eur("60.01"), reason="more", request_key="k2")

    assert Payment.objects.get(booking=trip).refunded_amount == Decimal("120.00")
    assert Refund.objects.count() == 1
    assert SandboxCharge.objects.get().refunded_amount == Decimal("120.00")


def test_the_same_refund_request_twice_refunds_once(trip, agent):
    args = {
        "booking": trip,
        "staff": agent,
        "amount": eur("10.00"),
        "reason": "late",
        "request_key": "same-form",
        "now": timezone.now(),
    }
    support.booking_refund_partial(**args)

    with pytest.raises(RefundAlreadyRequested):
        support.booking_refund_partial(**args)

    assert Refund.objects.count() == 1


def test_a_support_agent_cannot_refund_above_the_limit_counting_earlier_refunds(trip, agent):
    refund_partial(trip, agent, eur("100.00"), reason="a", request_key="k1")

    with pytest.raises(RefundAboveLimit, match="after 100.00 EUR refunded already"):
        refund_partial(trip, agent, eur("50.01"), reason="b", request_key="k2")

    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (Money(Decimal("0"), "EUR"), InvalidRefundAmount),
        (Money(Decimal("-5"), "EUR"), InvalidRefundAmount),
        (Money(Decimal("1.005"), "EUR"), InvalidRefundAmount),  # below the cent
        (Money(Decimal("10"), "USD"), InvalidRefundAmount),
    ],  # not a currency it was paid in
)
def test_amounts_that_cannot_be_refunded_are_refused(trip, agent, amount, error):
    with pytest.raises(error):
        refund_partial(trip, agent, amount)
    assert not Refund.objects.exists()


def test_every_action_needs_a_reason(trip, agent):
    with pytest.raises(ReasonRequired):
        refund_partial(trip, agent, eur("5.00"), reason="  ")
    with pytest.raises(ReasonRequired):
        support.booking_item_cancel(
            booking=trip, position=1, staff=agent, reason="", now=timezone.now()
        )
    assert not Refund.objects.exists()


def test_a_provider_refusal_gives_the_reserved_amount_back(trip, agent):
    SandboxCharge.objects.update(succeeded=False)  # the provider now refuses any refund

    with pytest.raises(Exception, match="No successful charge"):
        refund_partial(trip, agent, eur("10.00"))

    assert Payment.objects.get(booking=trip).refunded_amount == 0
    assert not Refund.objects.exists()


# --- cancelling one item -------------------------------------------------------------------


def test_cancelling_one_item_refunds_it_and_releases_its_inventory_only(trip, agent, day):
    car_position = trip.items.get(kind="car").position
    before_rooms = RoomNight.objects.get(date=day).rooms_available
    before_cars = CarDay.objects.get(date=day).cars_available

    item = support.booking_item_cancel(
        booking=trip,
        position=car_position,
        staff=agent,
        reason="flight changed",
        now=timezone.now(),
    )

    assert (item.status, item.refunded_amount) == (BookingStatus.CANCELLED, Decimal("80.00"))
    assert CarDay.objects.get(date=day).cars_available == before_cars + 1
    assert RoomNight.objects.get(date=day).rooms_available == before_rooms  # the stay is kept
    trip.refresh_from_db()
    assert trip.status == BookingStatus.CONFIRMED
    assert Refund.objects.get().amount == Decimal("80.00")


def test_cancelling_the_last_item_cancels_the_booking(trip):
    agent = staff_in(roles.ADMIN)  # 180 EUR in all: above the support limit
    for position in trip.items.values_list("position", flat=True):
        support.booking_item_cancel(
            booking=trip, position=position, staff=agent, reason="trip off", now=timezone.now()
        )

    trip.refresh_from_db()
    assert trip.status == BookingStatus.CANCELLED
    assert Payment.objects.get(booking=trip).status == PaymentStatus.REFUNDED


def test_an_item_is_cancelled_once(trip, agent):
    support.booking_item_cancel(
        booking=trip, position=1, staff=agent, reason="a", now=timezone.now()
    )

    with pytest.raises(ItemNotCancellable):
        support.booking_item_cancel(
            booking=trip, position=1, staff=agent, reason="a", now=timezone.now()
        )
    assert Refund.objects.count() == 1


def test_an_item_past_its_free_cancellation_refunds_per_its_policy(trip, agent):
    # The car's free cancellation ends 48 h before pick-up; afterwards one day is kept.
    car = trip.items.get(kind="car")
    late = car.free_cancellation_until + timedelta(minutes=1)

    item = support.booking_item_cancel(
        booking=trip, position=car.position, staff=agent, reason="late", now=late
    )

    assert item.refunded_amount == car.refund_after_deadline == Decimal("40.00")


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (("Ada", "Lovelace"), ("Ada", "Lovelace-King"), False),  # another family name
        (("Ada", "Lovlace"), ("Ada", "Lovelace"), True),  # a letter missing
        (("Jon", "Smiht"), ("John", "Smith"), True),  # two letters swapped, one missing
        (("Zoe", "Muller"), ("Zoé", "Müller"), True),  # accents are free
        (("ada", "lovelace"), ("Ada", "Lovelace"), True),  # case is free
        (("Lovelace", "Ada"), ("Ada", "Lovelace"), True),  # filled the wrong way round
        (("Ada", "Lovelace"), ("Bob", "Lovelace"), False),  # another person
        (("Ada", "Lovelace"), ("Ada", "Byron"), False),
        (("Jan", "Kos"), ("Jon", "Kas"), True),  # one edit in each short name
        (("Jan", "Kos"), ("Jim", "Kos"), False),  # two edits in a short name
    ],
)
def test_the_name_correction_rule(old, new, allowed):
    assert name_correction_allowed(old, new) is allowed


names = st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20)


@given(first=names, last=names)
def test_the_same_name_is_always_a_correction_and_edits_are_symmetric(first, last):
    assert name_correction_allowed((first, last), (first, last))
    assert edit_distance(first, last) == edit_distance(last, first)
    assert edit_distance(first, first + "x") == 1


def test_a_traveler_name_is_corrected_and_the_old_spelling_kept_nowhere(trip, agent):
    traveler = trip.travelers.get()  # "Ada L"

    edits = support.traveler_name_correct(
        traveler=traveler, first_name="Adah", last_name="L", staff=agent, reason="passport",
        now=timezone.now(),
    )  # fmt: skip

    traveler.refresh_from_db()
    assert (traveler.first_name, traveler.last_name) == ("Adah", "L")
    assert edits == {"first_name": 1, "last_name": 0}


def test_a_different_person_is_not_a_name_correction(trip, agent):
    traveler = trip.travelers.get()

    with pytest.raises(NameChangeTooLarge):
        support.traveler_name_correct(
            traveler=traveler, first_name="Grace", last_name="Hopper", staff=agent,
            reason="friend", now=timezone.now(),
        )  # fmt: skip

    traveler.refresh_from_db()
    assert (traveler.first_name, traveler.last_name) == ("Ada", "L")


# --- confirmation, notes, permissions ------------------------------------------------------


def test_resending_the_confirmation_queues_it_as_the_booking_stands_now(trip, agent):
    traveler = trip.travelers.get()
    support.traveler_name_correct(
        traveler=traveler, staff=agent, first_name="Adah", last_name=traveler.last_name,
        reason="passport spelling", now=timezone.now(),
    )  # fmt: skip
    before = Message.objects.filter(booking=trip, kind="booking_confirmed").count()

    message = support.booking_confirmation_resend(
        booking=trip, staff=agent, reason="lost it", now=timezone.now()
    )

    assert Message.objects.filter(booking=trip, kind="booking_confirmed").count() == before + 1
    assert message.to_email == trip.user.email
    sent = rendered(message)
    assert trip.reference in sent.subject + sent.text_body
    assert f"Adah {traveler.last_name}" in sent.text_body


@pytest.mark.parametrize("role", [roles.REVENUE_MANAGER, roles.ANALYST, roles.CONTENT_MODERATOR])
def test_other_roles_can_do_none_of_the_support_actions(trip, role):
    staff, now = staff_in(role), timezone.now()

    with pytest.raises(RefundNotAllowed):
        refund_partial(trip, staff, eur("1.00"))
    with pytest.raises(RefundNotAllowed):
        support.booking_item_cancel(booking=trip, position=1, staff=staff, reason="x", now=now)
    with pytest.raises(SupportActionNotAllowed):
        support.traveler_name_correct(
            traveler=trip.travelers.get(),
            first_name="Adah",
            last_name="L",
            staff=staff,
            reason="x",
            now=now,
        )
    with pytest.raises(SupportActionNotAllowed):
        support.booking_confirmation_resend(booking=trip, staff=staff, reason="x", now=now)
    with pytest.raises(SupportActionNotAllowed):
        support.booking_note_add(booking=trip, staff=staff, text="hello", now=now)
    assert not Refund.objects.exists()
    assert not BookingNote.objects.exists()


# --- through the admin: forms, messages, audit ---------------------------------------------


def action_url(name: str, booking: Booking) -> str:
    return reverse(f"admin:bookings_booking_{name}", args=[booking.pk])


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_admin_refund_is_audited_with_its_reason_and_amount(trip, agent):
    client = log_in_verified(Client(), agent)
    form = client.get(action_url("refund", trip)).context["form"]

    response = client.post(
        action_url("refund", trip),
        {
            "amount": "25.50",
            "currency": "EUR",
            "reason": "breakfast missing",
            "request_key": form.initial["request_key"],
        },
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="booking.refund_partial")
    assert (entry.actor, entry.target_id, entry.reason) == (
        agent,
        str(trip.pk),
        "breakfast missing",
    )
    assert entry.details["amount"] == {"amount": "25.50", "currency": "EUR"}


def test_the_admin_says_a_refused_refund_as_a_problem_and_records_nothing(trip):
    client = log_in_verified(Client(), staff_in(roles.ADMIN))  # no refund limit

    response = client.post(
        action_url("refund", trip),
        {
            "amount": "500",
            "currency": "EUR",
            "reason": "x",
            "request_key": "abc",
        },
    )

    assert response.status_code == 409
    assert said(response) == [
        "This refund is more than what remains paid. 500 EUR is more than the 180.00 EUR that"
        " remains of what was paid (180.00 EUR paid, 0.00 EUR refunded). [refund-above-remaining]"
    ]
    assert not AuditEntry.objects.exists()
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    "form",
    [
        {"amount": "abc", "currency": "EUR", "reason": "x", "request_key": "k"},
        {"amount": "10", "currency": "XXX", "reason": "x", "request_key": "k"},
        {"amount": "10", "currency": "EUR", "reason": "", "request_key": "k"},
        {"amount": "1e400", "currency": "EUR", "reason": "x", "request_key": "k"},
        {},
    ],
)
def test_bad_refund_input_redisplays_the_form_never_a_500(trip, agent, form):
    client = log_in_verified(Client(), agent)

    response = client.post(action_url("refund", trip), form)

    assert response.status_code == 422
    assert response.context["form"].errors
    assert not Refund.objects.exists()


def test_each_admin_action_is_audited(trip, agent, settings):
    client = log_in_verified(Client(), agent)
    traveler = trip.travelers.get()

    posts = {
        "cancel_item": {
            "position": str(trip.items.get(kind="car").position),
            "reason": "car not needed",
        },
        "traveler_name": {
            "traveler": str(traveler.pk),
            "first_name": "Adah",
            "last_name": "L",
            "reason": "passport spelling",
        },
        "resend_confirmation": {"reason": "not received"},
        "note": {"text": "Called twice about the car."},
    }
    for name, form in posts.items():
        response = client.post(action_url(name, trip), form)
        assert response.status_code == 302, (name, said(response))

    assert list(AuditEntry.objects.order_by("pk").values_list("action", "reason")) == [
        ("booking.cancel_item", "car not needed"),
        ("booking.traveler_name_correct", "passport spelling"),
        ("booking.confirmation_resend", "not received"),
        ("booking.note_add", ""),
    ]
    assert BookingNote.objects.get().text == "Called twice about the car."
    name_entry = AuditEntry.objects.get(action="booking.traveler_name_correct")
    assert "Ada" not in str(name_entry.details)  # the old spelling is kept nowhere


@pytest.mark.parametrize("role", [roles.REVENUE_MANAGER, roles.ANALYST, roles.CONTENT_MODERATOR])
def test_other_roles_get_403_on_every_support_page(trip, role):
    client = log_in_verified(Client(), staff_in(role))

    for name in ("refund", "cancel_item", "traveler_name", "resend_confirmation", "note"):
        assert client.get(action_url(name, trip)).status_code == 403
        assert client.post(action_url(name, trip), {"reason": "x"}).status_code == 403
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("object_id", ["abc", "999999", "1;DROP"])
def test_a_booking_that_is_not_there_is_a_404_never_a_500(trip, agent, object_id):
    client = log_in_verified(Client(), agent)
    url = reverse("admin:bookings_booking_refund", args=[trip.pk]).replace(
        f"/{trip.pk}/", f"/{object_id}/"
    )

    assert client.get(url).status_code == 404


def test_a_name_change_too_large_is_said_as_a_problem(trip, agent):
    client = log_in_verified(Client(), agent)
    traveler = trip.travelers.get()

    response = client.post(
        action_url("traveler_name", trip),
        {"traveler": traveler.pk, "first_name": "Grace", "last_name": "Hopper", "reason": "x"},
    )

    assert response.status_code == 422
    assert said(response)[0].endswith("[name-change-too-large]")
    traveler.refresh_from_db()
    assert traveler.first_name == "Ada"


# --- through Stripe, as travelers' cancellations ------------------------------------------

STRIPE = "https://api.stripe.com/v1"


@pytest.fixture
def paid_with_stripe(trip, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    Payment.objects.filter(booking=trip).update(provider="stripe", provider_ref="pi_3Abc")
    return trip


@responses.activate
def test_a_partial_refund_goes_to_stripe_in_minor_units_once_per_refund(paid_with_stripe, agent):
    responses.post(f"{STRIPE}/refunds", json={"id": "re_77", "object": "refund"})

    refund = refund_partial(paid_with_stripe, agent, eur("25.50"), reason="noise")

    (call,) = responses.calls
    assert parse_qs(str(call.request.body)) == {
        "payment_intent": ["pi_3Abc"], "amount": ["2550"],
        "metadata[travelguru_key]": [f"travelguru-refund-{refund.pk}"],
    }  # fmt: skip
    assert call.request.headers["Idempotency-Key"] == f"travelguru-refund-{refund.pk}"
    assert (refund.provider_ref, refund.status) == ("re_77", RefundStatus.SUCCEEDED)


@responses.activate
def test_a_refund_stripe_refuses_is_given_back_and_said(paid_with_stripe, agent):
    refused = {"type": "invalid_request_error", "code": "charge_disputed", "message": "No."}
    responses.post(f"{STRIPE}/refunds", status=400, json={"error": refused})
    client = log_in_verified(Client(), agent)

    response = client.post(action_url("refund", paid_with_stripe), {
        "amount": "10", "currency": "EUR", "reason": "x", "request_key": "k"})  # fmt: skip

    assert response.status_code == 502
    assert said(response) == [
        "The payment provider failed. Stripe refused the request (charge_disputed)."
        " [payment-provider-error]"
    ]
    assert not Refund.objects.exists()
    assert Payment.objects.get(booking=paid_with_stripe).refunded_amount == 0
    assert not AuditEntry.objects.exists()
