"""The claim for payment: one attempt at a time reaches the provider for a hold; a failed
payment gives the hold back; a claim left by a dead process is ended by the scheduled jobs
without the hold expiring under a charge in flight.

The races themselves run on MariaDB in test_payment_claim_race.py; here each step is made
to happen in a chosen order (a second attempt sent from inside the first one's charge).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    Booking,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Payment,
    PaymentStatus,
    SandboxCharge,
)
from bookings.payments.sandbox import SandboxProvider
from bookings.services.holds import hold_create, hold_expire_due
from bookings.services.reconcile import GRACE, payments_reconcile
from catalog.models import RoomNight
from search.offers import offer_decode
from tests.factories.offers import hotel_offer
from tests.flows import assert_problem, book, make_hold

pytestmark = pytest.mark.django_db
# (imported where used: the API-level tests here also run against code without a claim)


@pytest.fixture
def charges(monkeypatch):
    """The provider's charge calls (token, key), and a hook run inside the next charge."""
    calls: list[tuple[str, str]] = []
    during: list = []
    charge = SandboxProvider.charge

    def counting_charge(self, **kwargs):
        calls.append((kwargs["token"], kwargs["idempotency_key"]))
        while during:
            during.pop(0)()
        return charge(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "charge", counting_charge)
    return calls, during


def rooms_left(day) -> int:
    return RoomNight.objects.get(date=day).rooms_available


def test_a_second_attempt_while_the_first_is_charging_never_reaches_the_provider(
    client_of, traveler, room_type, day, charges
):
    # given a traveler paying for a hold in one tab
    calls, during = charges
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    seen: dict[str, object] = {}

    def second_tab() -> None:
        seen["second"] = book(client, hold_id)
        seen["hold"] = client.get(f"/api/holds/{hold_id}").json()["status"]

    during.append(second_tab)

    # when the second tab pays while the first one's charge is at the provider
    first = book(client, hold_id)

    # then the first books, the second is told the trip is being paid and charged nothing
    assert first.status_code == 201, first.json()
    second = seen["second"]
    assert second.status_code == 409  # type: ignore[attr-defined]
    assert second["Content-Type"] == "application/problem+json"  # type: ignore[index]
    assert second.json()["code"] == "hold-being-paid"  # type: ignore[attr-defined]
    assert seen["hold"] == "paying"
    assert len(calls) == 1
    assert SandboxCharge.objects.count() == 1
    assert Payment.objects.count() == 1
    assert Booking.objects.get().reference == first.json()["reference"]


def test_of_two_attempts_that_both_saw_the_hold_active_only_one_claims_it(traveler, room_type, day):
    from bookings.errors import HoldBeingPaid
    from bookings.services.bookings import _hold_claim

    # given two attempts that both read the hold as active
    now = timezone.now()
    hold_create(user=traveler, offers=[offer_decode(hotel_offer(room_type, day, 1))], now=now)
    first, second = Hold.objects.get(), Hold.objects.get()

    # when both claim it
    _hold_claim(first.pk, now=now)
    with pytest.raises(HoldBeingPaid):
        _hold_claim(second.pk, now=now)

    # then it is claimed once, by the first
    hold = Hold.objects.get()
    assert (hold.status, hold.paying_since) == (HoldStatus.PAYING, now)


def test_a_declined_card_gives_the_hold_back_to_pay_with_another(
    client_of, traveler, room_type, day, charges
):
    # given a second tab that tried to pay while the declined card was at the provider
    calls, during = charges
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    seen: dict[str, object] = {}
    during.append(lambda: seen.update(second=book(client, hold_id, key="second-tab")))

    # when the card is declined
    declined = book(client, hold_id, token="tok_chargeDeclined")  # noqa: S106

    # then the hold is the traveler's again, as long as it lasts, its room still held
    assert_problem(declined, 402, "payment-declined")
    assert_problem(seen["second"], 409, "hold-being-paid")
    hold = client.get(f"/api/holds/{hold_id}").json()
    assert hold["status"] == "active"
    assert Hold.objects.get().paying_since is None
    assert rooms_left(day) == 2
    # and the second tab's retry with its same key pays now (its 409 was not kept as the
    # key's answer: it was another request's moment, not this one's outcome)
    retried = book(client, hold_id, key="second-tab")
    assert retried.status_code == 201, retried.json()
    assert "Idempotent-Replayed" not in retried
    assert IdempotencyRecord.objects.get(key="second-tab").response_status == 201
    assert [token for token, _ in calls] == ["tok_chargeDeclined", "tok_visa"]
    assert rooms_left(day) == 2


def test_a_timed_out_payment_gives_the_hold_back_too(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    timed_out = book(client, hold_id, token="tok_timeout")  # noqa: S106

    assert timed_out.status_code == 504
    assert Hold.objects.get().status == HoldStatus.ACTIVE
    assert book(client, hold_id).status_code == 201


def test_a_hold_being_paid_cannot_be_released_from_under_the_charge(
    client_of, traveler, room_type, day, charges
):
    _, during = charges
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    seen: dict[str, object] = {}
    during.append(lambda: seen.update(release=client.delete(f"/api/holds/{hold_id}")))

    booked = book(client, hold_id)

    assert seen["release"].status_code == 409  # type: ignore[attr-defined]
    assert seen["release"].json()["code"] == "hold-being-paid"  # type: ignore[attr-defined]
    assert booked.status_code == 201
    assert rooms_left(day) == 2


# --- a process that died after claiming ------------------------------------------------


def died_while_paying(user, room_type, day, *, charged: bool, ttl: timedelta):
    """A hold claimed for payment by a process that died during the charge (after the
    provider charged, or before), as it finds the database afterwards."""
    from bookings.services.bookings import _hold_claim

    now = timezone.now()
    hold = hold_create(user=user, offers=[offer_decode(hotel_offer(room_type, day, 1))], now=now)
    Hold.objects.filter(pk=hold.pk).update(expires_at=now + ttl)
    _hold_claim(hold.pk, now=now)
    payment = Payment.objects.create(
        hold=hold, user=user, provider="sandbox", amount=Decimal("100.00"), currency="EUR",
        status=PaymentStatus.PENDING, created_at=now, updated_at=now,
    )  # fmt: skip
    if charged:
        SandboxProvider().charge(
            amount=payment.money, token="tok_visa", idempotency_key=payment.idempotency_key,  # noqa: S106
            description="died",
        )  # fmt: skip
    return now, hold, payment


def test_the_expiry_job_leaves_a_hold_being_paid_alone_even_past_its_expiry(
    traveler, room_type, day
):
    from bookings.services.holds import PAYMENT_CLAIM_LEASE

    # given a payment under way that started a moment before the hold's expiry
    now, hold, payment = died_while_paying(
        traveler, room_type, day, charged=True, ttl=timedelta(seconds=5)
    )

    # when the expiry job runs after the expiry, while the charge may still be in flight
    ended = hold_expire_due(now=now + PAYMENT_CLAIM_LEASE - timedelta(seconds=1))

    # then the room is not given back to be sold again under the charge
    assert ended == 0
    hold.refresh_from_db()
    assert hold.status == HoldStatus.PAYING
    assert rooms_left(day) == 2


def test_an_abandoned_claim_past_the_holds_expiry_is_expired_and_its_charge_refunded(
    traveler, room_type, day
):
    from bookings.services.holds import PAYMENT_CLAIM_LEASE

    # given a process that died after the provider charged, the hold's expiry near
    now, hold, payment = died_while_paying(
        traveler, room_type, day, charged=True, ttl=timedelta(minutes=1)
    )
    later = now + PAYMENT_CLAIM_LEASE + timedelta(seconds=1)

    # when reconcile_payments runs once the claim is older than any request can run
    report = payments_reconcile(now=later)

    # then the hold is expired with its room back, and the charge refunded at once (no
    # grace period: the claim is gone, nothing can book on it any more)
    assert later < now + GRACE
    assert report.ended_claims == [str(hold.pk)]
    assert report.settled_unknown == [payment.pk]
    hold.refresh_from_db()
    payment.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
    assert rooms_left(day) == 3
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("100"))
    charge = SandboxCharge.objects.get()
    assert charge.refunded_amount == charge.amount
    assert not Booking.objects.exists()
    # and the jobs running again change nothing
    assert hold_expire_due(now=later) == 0
    assert payments_reconcile(now=later).ended_claims == []


def test_an_abandoned_claim_before_the_holds_expiry_gives_the_hold_back(
    client_of, traveler, room_type, day
):
    from bookings.services.holds import PAYMENT_CLAIM_LEASE

    # given a process that died after the provider charged, the hold good for long after
    now, hold, payment = died_while_paying(
        traveler, room_type, day, charged=True, ttl=timedelta(minutes=15)
    )
    later = now + PAYMENT_CLAIM_LEASE + timedelta(seconds=1)

    # when the expiry job runs (every minute), then reconcile_payments after its grace
    assert hold_expire_due(now=later) == 1
    hold.refresh_from_db()
    assert (hold.status, hold.paying_since) == (HoldStatus.ACTIVE, None)
    assert rooms_left(day) == 2
    report = payments_reconcile(now=now + GRACE + timedelta(seconds=1))

    # then the charge is refunded, and the traveler can book the hold they still have
    assert report.settled_unknown == [payment.pk]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    booked = book(client_of(traveler), hold.pk)
    assert booked.status_code == 201, booked.json()
    assert rooms_left(day) == 2


def test_an_abandoned_claim_that_never_reached_the_provider_charges_nothing(
    traveler, room_type, day
):
    now, hold, payment = died_while_paying(
        traveler, room_type, day, charged=False, ttl=timedelta(minutes=1)
    )

    report = payments_reconcile(now=now + GRACE + timedelta(seconds=1))

    assert report.ended_claims == [str(hold.pk)]
    hold.refresh_from_db()
    payment.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
    assert payment.status == PaymentStatus.FAILED
    assert not SandboxCharge.objects.exists()
    assert rooms_left(day) == 3


def test_staff_cannot_refund_a_charge_whose_booking_is_being_confirmed(
    admin_client, traveler, room_type, day
):
    # given a charge made a moment ago, its booking about to be confirmed
    now, hold, payment = died_while_paying(
        traveler, room_type, day, charged=True, ttl=timedelta(minutes=15)
    )
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.SUCCEEDED)
    url = reverse("admin:bookings_payment_changelist")
    selection = {"action": "refund_orphans", "_selected_action": [payment.pk], "post": "yes"}

    # when staff refund it as a charge without a booking
    admin_client.post(url, selection)

    # then it is skipped
    assert SandboxCharge.objects.get().refunded_amount == 0
    # and staff see the hold being paid, and can find such holds
    holds = admin_client.get(
        reverse("admin:bookings_hold_changelist"), {"status__exact": "paying"}
    ).content.decode()
    assert str(hold.pk) in holds
    assert "Being paid" in holds


def test_an_idempotent_replay_of_a_booked_attempt_still_answers_the_booking(
    client_of, traveler, room_type, day
):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    key = str(uuid.uuid4())

    first, again = book(client, hold_id, key=key), book(client, hold_id, key=key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert SandboxCharge.objects.count() == 1
