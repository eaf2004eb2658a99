"""POST /api/bookings and reading bookings: paid means booked, and nothing else."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.errors import HoldNotActive
from bookings.models import (
    Booking,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Payment,
    PaymentStatus,
    SandboxCharge,
)
from bookings.payments.base import PaymentDeclined, PaymentTimeout
from bookings.payments.sandbox import SandboxProvider
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_expire_due
from catalog.models import RoomNight
from tests.factories.accounts import UserFactory
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import ADULT, assert_problem, book, make_hold
from travelguru.money import Money

pytestmark = pytest.mark.django_db

DRIVER = {**ADULT, "birth_date": "1990-05-01", "is_driver": True}


def ledger() -> list[tuple[str, str, bool, str]]:
    return [
        (str(c.amount), c.currency, c.succeeded, str(c.refunded_amount))
        for c in SandboxCharge.objects.order_by("pk")
    ]


def test_paying_a_hold_confirms_a_booking(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 2))

    response = book(client, hold_id)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(r"TG-[A-HJ-NP-Z2-9]{6}", body["reference"])
    assert body["status"] == "confirmed"
    assert body["total"] == {"amount": "210.00", "currency": "EUR"}
    assert body["payment"]["status"] == "paid"
    assert body["travelers"][0]["last_name"] == "Lovelace"
    assert ledger() == [("210.00", "EUR", True, "0.00")]
    assert Hold.objects.get().status == HoldStatus.BOOKED
    assert client.get(f"/api/bookings/{body['reference']}").json() == body


def test_a_trip_in_two_currencies_is_two_charges(client_of, traveler, room_type, car, fare, day):
    client = client_of(traveler)
    hold_id = make_hold(
        client, flight_offer(fare), hotel_offer(room_type, day, 1), car_offer(car, day, 1)
    )

    response = book(client, hold_id, travelers=[DRIVER])

    assert response.status_code == 201, response.json()
    assert response.json()["totals"] == [
        {"amount": "140.00", "currency": "EUR"},
        {"amount": "450.00", "currency": "USD"},
    ]
    assert ledger() == [("140.00", "EUR", True, "0.00"), ("450.00", "USD", True, "0.00")]
    # The answer is built from the rows just written: it is what reading them back gives.
    body = response.json()
    assert client.get(f"/api/bookings/{body['reference']}").json() == body


def test_a_trip_is_held_and_booked_where_bulk_inserts_return_no_ids(
    client_of, traveler, room_type, car, fare, day, monkeypatch
):
    """MySQL (Aurora, production) does not give rows written by one multi-row INSERT their
    ids: the hold's items (their units point at them) and the payments (their id is their
    charge's idempotency key) must get them anyway."""
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    client = client_of(traveler)
    hold_id = make_hold(
        client, flight_offer(fare), hotel_offer(room_type, day, 1), car_offer(car, day, 1)
    )

    response = book(client, hold_id, travelers=[DRIVER])

    assert response.status_code == 201, response.json()
    assert ledger() == [("140.00", "EUR", True, "0.00"), ("450.00", "USD", True, "0.00")]
    keys = set(SandboxCharge.objects.values_list("idempotency_key", flat=True))
    assert keys == {p.idempotency_key for p in Payment.objects.all()}
    assert len(keys) == 2
    assert not any(k.endswith("-None") for k in keys)
    assert set(Payment.objects.values_list("booking__reference", flat=True)) == {
        response.json()["reference"]
    }


def test_a_declined_card_books_nothing_and_the_hold_stays(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    declined = book(client, hold_id, token="tok_chargeDeclined")

    assert declined.status_code == 402
    assert declined["Content-Type"] == "application/problem+json"
    assert declined.json()["code"] == "payment-declined"
    assert not Booking.objects.exists()
    assert Payment.objects.get().status == PaymentStatus.FAILED
    assert ledger() == [("100.00", "EUR", False, "0.00")]
    # The hold is still there: another card works.
    assert book(client, hold_id).status_code == 201


def test_a_timed_out_payment_keeps_no_charge(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    response = book(client, hold_id, token="tok_timeout")

    assert response.status_code == 504
    assert response.json()["code"] == "payment-timeout"
    assert not Booking.objects.exists()
    # The sandbox did charge; we learnt it and refunded at once.
    assert ledger() == [("100.00", "EUR", True, "100.00")]
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert Hold.objects.get().status == HoldStatus.ACTIVE


def test_when_the_second_charge_fails_the_first_is_refunded(
    traveler, room_type, fare, day, client_of
):
    class DeclinesDollars(SandboxProvider):
        def charge(self, *, amount, token, idempotency_key, description):
            if amount.currency == "USD":
                raise PaymentDeclined("Your card was declined.", decline_code="card_declined")
            return super().charge(
                amount=amount, token=token, idempotency_key=idempotency_key,
                description=description,
            )  # fmt: skip

    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1), flight_offer(fare))

    with pytest.raises(PaymentDeclined):
        booking_create(
            user=traveler, hold_id=hold_id, travelers=[TravelerIn(**ADULT)],
            payment_token="tok_visa", now=timezone.now(), provider=DeclinesDollars(),
        )  # fmt: skip

    assert not Booking.objects.exists()
    assert ledger() == [("100.00", "EUR", True, "100.00")]
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["failed", "refunded"]


def test_a_hold_whose_expiry_passes_during_payment_is_booked_not_resold(
    traveler, room_type, day, client_of
):
    class SlowProvider(SandboxProvider):
        def charge(self, **kwargs):
            charge = super().charge(**kwargs)
            Hold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
            assert hold_expire_due(now=timezone.now()) == 0  # the scheduled job runs meanwhile
            return charge

    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))

    booking = booking_create(
        user=traveler, hold_id=hold_id, travelers=[TravelerIn(**ADULT)],
        payment_token="tok_visa", now=timezone.now(), provider=SlowProvider(),
    )  # fmt: skip

    assert Booking.objects.get() == booking
    assert ledger() == [("100.00", "EUR", True, "0.00")]
    # the room was never given back to be sold again under the charge
    assert RoomNight.objects.get(date=day).rooms_available == 2


def test_a_payment_that_outlives_its_claim_is_refunded(traveler, room_type, day, client_of):
    from bookings.services.holds import PAYMENT_CLAIM_LEASE

    class StalledProvider(SandboxProvider):
        def charge(self, **kwargs):
            charge = super().charge(**kwargs)
            # the answer comes back after the claim was taken for abandoned
            hold_expire_due(now=timezone.now() + PAYMENT_CLAIM_LEASE + timedelta(seconds=1))
            return charge

    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))

    with pytest.raises(HoldNotActive):
        booking_create(
            user=traveler, hold_id=hold_id, travelers=[TravelerIn(**ADULT)],
            payment_token="tok_visa", now=timezone.now(), provider=StalledProvider(),
        )  # fmt: skip

    # the late answer books nothing and is given back; the hold is the traveler's again
    assert not Booking.objects.exists()
    assert ledger() == [("100.00", "EUR", True, "100.00")]
    assert Hold.objects.get().status == HoldStatus.ACTIVE
    assert RoomNight.objects.get(date=day).rooms_available == 2


def test_the_same_key_and_body_replay_the_first_answer(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    first = book(client, hold_id, key="key-1")
    again = book(client, hold_id, key="key-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len(ledger()) == 1
    assert Booking.objects.count() == 1


def test_a_replayed_decline_charges_nothing_more(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    first = book(client, hold_id, token="tok_chargeDeclined", key="k")
    again = book(client, hold_id, token="tok_chargeDeclined", key="k")

    assert first.status_code == again.status_code == 402
    assert again.json() == first.json()
    assert len(ledger()) == 1


def test_the_same_key_with_another_body_is_422(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    book(client, hold_id, key="k")

    response = book(client, hold_id, key="k", travelers=[{**ADULT, "first_name": "Eve"}])

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency-key-reused"
    assert len(ledger()) == 1


def test_keys_belong_to_their_user_and_expire_after_a_day(client_of, room_type, day):
    alice, bob = UserFactory.create(), UserFactory.create()
    alice_hold = make_hold(client_of(alice), hotel_offer(room_type, day, 1))
    bob_hold = make_hold(client_of(bob), hotel_offer(room_type, day, 1))

    assert book(client_of(alice), alice_hold, key="shared").status_code == 201
    assert book(client_of(bob), bob_hold, key="shared").status_code == 201  # not a replay
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    late = book(client_of(alice), alice_hold, key="shared")
    assert late.status_code == 409  # processed afresh: the hold is booked already
    assert late.json()["code"] == "hold-not-active"


@pytest.mark.parametrize(
    "key", [None, "", "x" * 256, "key\x00one", "key\x07", "cl\xe9", "\xff" * 8, "tab\there"]
)
def test_an_idempotency_key_is_required(client_of, traveler, room_type, day, key):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}

    response = client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": [ADULT], "payment_token": "tok_visa"},
        format="json",
        **headers,
    )

    assert_problem(response, 400, "validation-error")
    assert "Idempotency-Key" in response.json()["errors"]
    assert not SandboxCharge.objects.exists()


@pytest.mark.parametrize(
    "where",
    [
        {"payment_token": "4242424242424242"},
        {"payment_token": "tok_visa", "travelers": [{**ADULT, "last_name": "4242 4242 4242 4242"}]},
        {"payment_token": "tok_visa", "note": "card 5555-5555-5555-4444 exp 12/30"},
        {"payment_token": "tok_visa", "card": {"number": 378282246310005}},
    ],
)
def test_card_numbers_are_refused_and_never_stored_or_logged(
    client_of, traveler, room_type, day, where, caplog
):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    caplog.set_level(logging.DEBUG)

    response = client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": [ADULT], **where},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "card-number-refused"
    assert not Payment.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    for digits in ("4242", "5555", "378282"):
        assert digits not in caplog.text


def test_tokens_and_ids_that_are_not_card_numbers_pass(client_of, traveler, room_type, day):
    # Luhn-invalid 16 digits (an order number, say) are not a card.
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    response = book(client, hold_id, travelers=[{**ADULT, "last_name": "1234567812345678"}])

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("travelers", "needs_car"),
    [
        ([{**ADULT, "type": "child", "birth_date": "2020-01-01"}], False),  # no adult
        ([ADULT, {**ADULT, "type": "child"}], False),  # child without a birth date
        ([ADULT], True),  # a car but no driver
        ([{**DRIVER, "birth_date": str(date.today().replace(year=date.today().year - 19))}], True),
        ([DRIVER], False),  # a driver but no car
    ],
)
def test_travelers_must_fit_the_trip(
    client_of, traveler, room_type, car, day, travelers, needs_car
):
    client = client_of(traveler)
    offers = [hotel_offer(room_type, day, 1)] + ([car_offer(car, day, 1)] if needs_car else [])
    hold_id = make_hold(client, *offers)

    response = book(client, hold_id, travelers=travelers)

    assert_problem(response, 400, "validation-error")
    assert "travelers" in response.json()["errors"]
    assert not SandboxCharge.objects.exists()


def test_a_stay_needs_a_lead_guest_per_room_not_every_guest(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1, rooms=2, guests=4))
    child = {**ADULT, "first_name": "Kid", "type": "child", "birth_date": "2020-05-01"}

    one_room_named = book(client, hold_id, travelers=[ADULT])
    a_child_cannot_lead = book(client, hold_id, travelers=[ADULT, child])
    two_leads = book(client, hold_id, travelers=[ADULT, {**ADULT, "first_name": "Bo"}])

    assert_problem(one_room_named, 400, "validation-error")
    assert one_room_named.json()["errors"]["travelers"] == [
        "Name a lead guest, an adult, for each room of the stay (2)."
    ]
    assert_problem(a_child_cannot_lead, 400, "validation-error")
    assert two_leads.status_code == 201, two_leads.json()
    booking = Booking.objects.get(reference=two_leads.json()["reference"])
    assert [t.first_name for t in booking.travelers.all()] == ["Ada", "Bo"]


def test_flights_still_name_every_passenger_beside_a_stay(
    client_of, traveler, room_type, fare, day
):
    client = client_of(traveler)
    hold_id = make_hold(
        client, flight_offer(fare, adults=2), hotel_offer(room_type, day, 1, rooms=1, guests=2)
    )

    lead_only = book(client, hold_id, travelers=[ADULT])

    assert_problem(lead_only, 400, "validation-error")
    assert not Booking.objects.exists()


def test_flight_passengers_must_match_the_offer(client_of, traveler, fare):
    client = client_of(traveler)
    hold_id = make_hold(client, flight_offer(fare, adults=1, infants=1))

    short = book(client, hold_id, travelers=[ADULT])
    baby = {**ADULT, "first_name": "Baby", "type": "infant", "birth_date": "2026-05-01"}
    right = book(client, hold_id, travelers=[ADULT, baby])

    assert_problem(short, 400, "validation-error")
    assert right.status_code == 201, right.json()


def test_an_expired_hold_cannot_be_booked(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    Hold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = book(client, hold_id)

    assert response.status_code == 409
    assert response.json()["code"] == "hold-not-active"
    assert not SandboxCharge.objects.exists()


def test_travelers_only_see_their_own_bookings(client_of, room_type, day):
    alice, mallory = UserFactory.create(), UserFactory.create()
    alice_client, mallory_client = client_of(alice), client_of(mallory)
    reference = book(alice_client, make_hold(alice_client, hotel_offer(room_type, day, 1))).json()[
        "reference"
    ]
    alice_hold = Hold.objects.get(user=alice)

    assert_problem(mallory_client.get(f"/api/bookings/{reference}"), 404, "booking-not-found")
    assert mallory_client.get("/api/bookings").json()["count"] == 0
    assert_problem(book(mallory_client, str(alice_hold.id)), 404, "hold-not-found")
    assert ledger() == [("100.00", "EUR", True, "0.00")]  # Alice's charge only
    assert [b["reference"] for b in alice_client.get("/api/bookings").json()["results"]] == [
        reference
    ]


def test_bookings_need_a_login(api_client):
    assert api_client.get("/api/bookings").status_code == 401
    assert api_client.post("/api/bookings", {}, format="json").status_code == 401


def test_reconcile_refunds_a_charge_left_without_a_booking(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    # The process died after the provider said yes and before the booking was written.
    payment = Payment.objects.create(
        hold_id=hold_id, user=traveler, provider="sandbox", amount=Decimal("100.00"),
        currency="EUR", status=PaymentStatus.PENDING,
        created_at=timezone.now() - timedelta(minutes=10),
        updated_at=timezone.now() - timedelta(minutes=10),
    )  # fmt: skip
    charge = SandboxProvider().charge(
        amount=payment.money, token="tok_visa", idempotency_key=payment.idempotency_key,
        description="orphan",
    )  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(status="succeeded", provider_ref=charge.ref)

    call_command("reconcile_payments")
    call_command("reconcile_payments")  # twice is harmless

    assert ledger() == [("100.00", "EUR", True, "100.00")]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def orphan_payment(traveler, hold_id, *, status=PaymentStatus.PENDING, minutes_ago=10):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Payment.objects.create(
        hold_id=hold_id, user=traveler, provider="sandbox", amount=Decimal("100.00"),
        currency="EUR", status=status, created_at=at, updated_at=at,
    )  # fmt: skip


def test_reconcile_refunds_a_charge_whose_payment_was_never_updated(
    client_of, traveler, room_type, day, capsys
):
    # The process died after the provider charged and before the answer was recorded:
    # the Payment row still says pending.
    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))
    payment = orphan_payment(traveler, hold_id)
    SandboxProvider().charge(
        amount=payment.money, token="tok_visa", idempotency_key=payment.idempotency_key,
        description="orphan",
    )  # fmt: skip

    call_command("reconcile_payments")

    assert ledger() == [("100.00", "EUR", True, "100.00")]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    out = capsys.readouterr().out
    assert f"settled 1 pending or timed-out payment(s) [{payment.pk}]" in out


def test_reconcile_fails_a_pending_payment_the_provider_never_charged(
    client_of, traveler, room_type, day
):
    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))
    payment = orphan_payment(traveler, hold_id)
    recent = orphan_payment(traveler, hold_id, minutes_ago=1)  # may still be in flight

    call_command("reconcile_payments")

    payment.refresh_from_db()
    recent.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "timeout")
    assert recent.status == PaymentStatus.PENDING
    assert ledger() == []


def test_reconcile_reports_what_it_refunded(client_of, traveler, room_type, day, capsys):
    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))
    payment = orphan_payment(traveler, hold_id)
    charge = SandboxProvider().charge(
        amount=payment.money, token="tok_visa", idempotency_key=payment.idempotency_key,
        description="orphan",
    )  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(status="succeeded", provider_ref=charge.ref)

    call_command("reconcile_payments")
    call_command("reconcile_payments")

    first, second = capsys.readouterr().out.strip().splitlines()
    assert first.startswith(f"refunded 1 charge(s) without a booking [{payment.pk}];")
    assert second.startswith("refunded 0 charge(s) without a booking [];")
    assert payment.refunds.get().reason == "charge without a booking"


def test_reconcile_goes_on_past_a_provider_failure(client_of, traveler, room_type, day, capsys):
    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))
    broken = orphan_payment(traveler, hold_id, status=PaymentStatus.SUCCEEDED)
    Payment.objects.filter(pk=broken.pk).update(provider_ref="ch_sandbox_unknown")
    good = orphan_payment(traveler, hold_id)
    SandboxProvider().charge(
        amount=good.money, token="tok_visa", idempotency_key=good.idempotency_key,
        description="orphan",
    )  # fmt: skip

    call_command("reconcile_payments")

    good.refresh_from_db()
    broken.refresh_from_db()
    assert good.status == PaymentStatus.REFUNDED
    assert broken.status == PaymentStatus.SUCCEEDED  # tried again next run
    assert f"1 failed at the provider [{broken.pk}]" in capsys.readouterr().out


def test_a_timeout_the_provider_cannot_find_yet_stays_unknown_until_reconcile(
    client_of, traveler, room_type, day
):
    class LaggingSearch(SandboxProvider):
        """Like Stripe's search: a charge made a moment ago is not listed yet."""

        def find_charge(self, *, idempotency_key):
            return None

    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))

    with pytest.raises(PaymentTimeout):
        booking_create(
            user=traveler, hold_id=hold_id, travelers=[TravelerIn(**ADULT)],
            payment_token="tok_timeout", now=timezone.now(), provider=LaggingSearch(),
        )  # fmt: skip

    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.UNKNOWN  # not guessed "failed"
    assert not Booking.objects.exists()
    assert Hold.objects.get().status == HoldStatus.ACTIVE
    # Later, the scheduled reconciliation finds the charge and gives it back.
    Payment.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    call_command("reconcile_payments")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert ledger() == [("100.00", "EUR", True, "100.00")]


def test_idempotency_keys_older_than_a_day_are_purged(client_of, traveler, room_type, day):
    client = client_of(traveler)
    book(client, make_hold(client, hotel_offer(room_type, day, 1)), key="old")
    book(client, make_hold(client, hotel_offer(room_type, day + timedelta(days=1), 1)), key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=24, seconds=1)
    )

    call_command("reconcile_payments")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_request_bodies_never_reach_the_logs(
    api_client, client_of, traveler, room_type, day, caplog
):
    caplog.set_level(logging.DEBUG)
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    weak = api_client.post(
        "/api/auth/register",
        {"email": "zz@example.com", "password": "Marker1", "first_name": "Qx", "last_name": "Y"},
        format="json",
    )
    wrong = api_client.post(
        "/api/auth/token", {"email": traveler.email, "password": "Marker-Two-secret"},
        format="json",
    )  # fmt: skip
    declined = book(
        client, hold_id, token="tok_chargeDeclined",
        travelers=[{**ADULT, "last_name": "Marker-Three-Surname"}],
    )  # fmt: skip

    assert (weak.status_code, wrong.status_code, declined.status_code) == (400, 401, 402)
    assert caplog.records  # the failures were logged (as paths), just not their bodies
    for marker in ("Marker1", "Marker-Two", "Marker-Three", "tok_chargeDeclined"):
        assert marker not in caplog.text


def test_a_claim_abandoned_by_a_dead_process_is_taken_over(client_of, traveler, room_type, day):
    from bookings.services.idempotency import request_fingerprint

    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))
    body = {"hold_id": hold_id, "travelers": [ADULT], "payment_token": "tok_visa"}
    # A first attempt claimed the key and its process died before answering.
    record = IdempotencyRecord.objects.create(
        user=traveler, key="k", request_hash=request_fingerprint(body),
        created_at=timezone.now() - timedelta(seconds=30),
    )  # fmt: skip

    too_soon = book(client, hold_id, key="k")
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(minutes=3)
    )
    later = book(client, hold_id, key="k")

    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "idempotency-in-progress"
    assert later.status_code == 201
    assert Booking.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201


def test_the_booking_list_costs_the_same_few_queries_for_many_bookings(
    client_of, traveler, room_type, day, django_assert_max_num_queries
):
    client = client_of(traveler)
    for night in range(3):
        book(client, make_hold(client, hotel_offer(room_type, day + timedelta(days=night), 1)))

    with django_assert_max_num_queries(6):  # count, page, items, travelers, payments (+ auth)
        body = client.get("/api/bookings").json()

    assert body["count"] == 3
    assert [len(b["items"]) for b in body["results"]] == [1, 1, 1]


def test_a_provider_error_on_the_second_charge_refunds_the_first_at_once(
    traveler, room_type, fare, day, client_of
):
    from bookings.payments.base import PaymentProviderError

    class FailsOnDollars(SandboxProvider):
        def charge(self, *, amount, token, idempotency_key, description):
            if amount.currency == "USD":
                raise PaymentProviderError("Stripe refused the request (api_error).")
            return super().charge(
                amount=amount, token=token, idempotency_key=idempotency_key,
                description=description,
            )  # fmt: skip

    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1), flight_offer(fare))

    with pytest.raises(PaymentProviderError):
        booking_create(
            user=traveler, hold_id=hold_id, travelers=[TravelerIn(**ADULT)],
            payment_token="tok_visa", now=timezone.now(), provider=FailsOnDollars(),
        )  # fmt: skip

    assert not Booking.objects.exists()
    assert ledger() == [("100.00", "EUR", True, "100.00")]  # the euro charge came back
    # The failed one is left for reconcile to look up (it may have been charged).
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["refunded", "unknown"]
    assert Hold.objects.get().status == HoldStatus.ACTIVE


def test_a_charge_partly_refunded_in_the_dashboard_gets_the_rest_back_once(
    client_of, traveler, room_type, day
):
    from bookings.services.bookings import payment_refund_full

    hold_id = make_hold(client_of(traveler), hotel_offer(room_type, day, 1))
    payment = orphan_payment(traveler, hold_id, status=PaymentStatus.SUCCEEDED)
    provider = SandboxProvider()
    charge = provider.charge(
        amount=payment.money, token="tok_visa", idempotency_key=payment.idempotency_key,
        description="orphan",
    )  # fmt: skip
    provider.refund(charge_ref=charge.ref, amount=Money.of("30.00", "EUR"), idempotency_key="d")
    Payment.objects.filter(pk=payment.pk).update(
        provider_ref=charge.ref, refunded_amount=Decimal("30.00")
    )
    payment.refresh_from_db()
    stale_copy = Payment.objects.get(pk=payment.pk)  # e.g. staff and reconcile at once

    payment_refund_full(payment, provider=provider, reason="first", now=timezone.now())
    payment_refund_full(stale_copy, provider=provider, reason="second", now=timezone.now())

    assert ledger() == [("100.00", "EUR", True, "100.00")]
    assert [(str(r.amount), r.reason) for r in payment.refunds.all()] == [("70.00", "first")]
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("100.00"))
