"""Bookings: pay for a hold, then confirm it. Payment calls never run under a lock.

hold (committed) -> Payment rows (committed) -> charge each currency -> confirm
(one transaction under the hold's row lock). Every failure path refunds what was charged
in this attempt; a crash between charge and confirm leaves a succeeded Payment without a
booking, which `reconcile_payments` refunds.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from rest_framework import serializers

from bookings.errors import HoldNotActive, HoldNotFound
from bookings.models import (
    Booking,
    BookingItem,
    Hold,
    HoldStatus,
    ItemKind,
    Payment,
    PaymentStatus,
    Refund,
    Traveler,
    TravelerType,
)
from bookings.payments import get_provider
from bookings.payments.base import (
    PaymentDeclined,
    PaymentProvider,
    PaymentProviderError,
    PaymentTimeout,
)
from bookings.services.inventory import lock_wait_bounded
from bookings.services.policies import item_policy

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
MIN_DRIVER_AGE = 21


@dataclass(frozen=True)
class TravelerIn:
    type: str
    first_name: str
    last_name: str
    birth_date: date | None = None
    is_driver: bool = False


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def travelers_check(*, items: Sequence, travelers: Sequence[TravelerIn]) -> None:  # type: ignore[type-arg]
    """Names for every passenger, guest and driver the items need; 400 otherwise."""
    errors: list[str] = []
    counts = Counter(t.type for t in travelers)
    for item in items:
        if item.kind == ItemKind.FLIGHT:
            party = {k: item.offer[k] for k in ("adults", "children", "infants")}
            given = {
                "adults": counts["adult"],
                "children": counts["child"],
                "infants": counts["infant"],
            }
            if given != party:
                errors.append(
                    f"The flight is for {party['adults']} adult(s), {party['children']} "
                    f"child(ren) and {party['infants']} infant(s): name each of them."
                )
        if item.kind == ItemKind.HOTEL and len(travelers) < item.offer["guests"]:
            errors.append(f"Name every guest of the stay ({item.offer['guests']}).")
    if not counts["adult"]:
        errors.append("At least one adult travels.")
    for t in travelers:
        if t.type in (TravelerType.CHILD, TravelerType.INFANT) and t.birth_date is None:
            errors.append(f"{t.first_name} {t.last_name}: a {t.type}'s birth date is needed.")
    drivers = [t for t in travelers if t.is_driver]
    cars = [item for item in items if item.kind == ItemKind.CAR]
    if cars:
        if len(drivers) != 1:
            errors.append("Name exactly one driver (is_driver) for the car.")
        else:
            driver = drivers[0]
            pick_up = date.fromisoformat(cars[0].offer["pick_up"])
            if driver.type != TravelerType.ADULT or driver.birth_date is None:
                errors.append("The driver must be an adult with a birth date.")
            elif _age_on(driver.birth_date, pick_up) < MIN_DRIVER_AGE:
                errors.append(f"The driver must be at least {MIN_DRIVER_AGE} on pick-up day.")
    elif drivers:
        errors.append("There is no car to drive in this trip.")
    if errors:
        raise serializers.ValidationError({"travelers": errors})


def _reference() -> str:
    return "TG-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def payment_refund_full(
    payment: Payment, *, provider: PaymentProvider, reason: str, now: datetime
) -> None:
    """Give a succeeded charge back in full (idempotent per payment)."""
    ref = provider.refund(
        charge_ref=payment.provider_ref,
        amount=payment.money,
        idempotency_key=f"{payment.idempotency_key}-refund-full",
    )
    with transaction.atomic():
        Refund.objects.create(
            payment=payment,
            amount=payment.amount - payment.refunded_amount,
            currency=payment.currency,
            reason=reason,
            provider_ref=ref,
            created_at=now,
        )
        payment.refunded_amount = payment.amount
        payment.status = PaymentStatus.REFUNDED
        payment.updated_at = now
        payment.save(update_fields=["refunded_amount", "status", "updated_at"])


def payment_settle_unknown(payment: Payment, *, provider: PaymentProvider, now: datetime) -> None:
    """After a timeout, a provider error or a crash mid-call: if the provider did charge,
    refund it now; else mark it failed."""
    try:
        charge = provider.find_charge(idempotency_key=payment.idempotency_key)
    except (PaymentTimeout, PaymentProviderError):
        return  # still unknown: reconcile_payments settles it later
    if charge is None or not charge.succeeded:
        payment.status = PaymentStatus.FAILED
        payment.failure_code = "timeout"
        payment.updated_at = now
        payment.save(update_fields=["status", "failure_code", "updated_at"])
        return
    payment.provider_ref = charge.ref
    payment.save(update_fields=["provider_ref"])
    payment_refund_full(payment, provider=provider, reason="payment timed out", now=now)


def booking_create(  # type: ignore[no-untyped-def]
    *,
    user,
    hold_id,
    travelers: Sequence[TravelerIn],
    payment_token: str,
    now: datetime,
    provider: PaymentProvider | None = None,
) -> Booking:
    """Charge the hold's totals (one charge per currency) and confirm it as a booking.

    Raises HoldNotFound, HoldNotActive (expired, released or booked), PaymentDeclined
    (402), PaymentTimeout (504); on each of them no booking exists and no charge of this
    attempt is kept. The hold stays usable until it expires.
    """
    hold = Hold.objects.filter(pk=hold_id, user=user).prefetch_related("items").first()
    if hold is None:
        raise HoldNotFound()
    if hold.status_at(now) != HoldStatus.ACTIVE:
        raise HoldNotActive(f"This hold is {hold.status_at(now)}; hold the offers again.")
    items = list(hold.items.all())
    travelers_check(items=items, travelers=travelers)
    provider = provider or get_provider()
    payments = [
        Payment.objects.create(
            hold=hold,
            user=user,
            provider=provider.name,
            amount=total.amount,
            currency=total.currency,
            status=PaymentStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        for total in hold.totals()
    ]
    charged: list[Payment] = []

    def undo(reason: str) -> None:
        """Refund this attempt's charges; the ones never tried are marked so."""
        for done in charged:
            payment_refund_full(done, provider=provider, reason=reason, now=now)
        Payment.objects.filter(
            pk__in=[p.pk for p in payments], status=PaymentStatus.PENDING
        ).update(status=PaymentStatus.FAILED, failure_code="not attempted", updated_at=now)

    for payment in payments:
        try:
            charge = provider.charge(
                amount=payment.money,
                token=payment_token,
                idempotency_key=payment.idempotency_key,
                description=f"TravelGuru trip {hold.id}",
            )
        except PaymentDeclined as exc:
            payment.status = PaymentStatus.FAILED
            payment.failure_code = str(exc.extra.get("decline_code", "declined"))[:64]
            payment.updated_at = now
            payment.save(update_fields=["status", "failure_code", "updated_at"])
            undo("another charge of the trip was declined")
            raise
        except (PaymentTimeout, PaymentProviderError):
            # A 5xx may have charged all the same (Stripe answers 500 after charging):
            # the outcome is unknown until the provider is asked with our key.
            payment.status = PaymentStatus.UNKNOWN
            payment.updated_at = now
            payment.save(update_fields=["status", "updated_at"])
            payment_settle_unknown(payment, provider=provider, now=now)
            undo("another charge of the trip failed or timed out")
            raise
        payment.status = PaymentStatus.SUCCEEDED
        payment.provider_ref = charge.ref
        payment.updated_at = now
        payment.save(update_fields=["status", "provider_ref", "updated_at"])
        charged.append(payment)

    try:
        return _booking_confirm(
            hold=hold, items=items, payments=payments, travelers=travelers, now=now
        )
    except HoldNotActive:
        undo("the hold ended before the booking was confirmed")
        raise


def _booking_confirm(*, hold: Hold, items, payments, travelers, now: datetime) -> Booking:  # type: ignore[no-untyped-def]
    for _ in range(5):
        try:
            with transaction.atomic(), lock_wait_bounded():
                locked = Hold.objects.select_for_update().get(pk=hold.pk)
                if locked.status != HoldStatus.ACTIVE:
                    raise HoldNotActive(f"This hold is {locked.status}; hold the offers again.")
                booking = Booking.objects.create(
                    reference=_reference(), user=hold.user, hold=locked, created_at=now
                )
                booking_items = []
                for item in items:
                    policy = item_policy(item, booked_at=now)
                    booking_items.append(
                        BookingItem(
                            booking=booking,
                            position=item.position,
                            kind=item.kind,
                            description=item.description,
                            price_amount=item.price_amount,
                            price_currency=item.price_currency,
                            units=item.units,
                            offer=item.offer,
                            service_start=policy.service_start,
                            service_end=policy.service_end,
                            free_cancellation_until=policy.free_until,
                            refund_after_deadline=policy.refund_after_deadline,
                        )
                    )
                BookingItem.objects.bulk_create(booking_items)
                Traveler.objects.bulk_create(
                    [
                        Traveler(
                            booking=booking,
                            position=i,
                            type=t.type,
                            first_name=t.first_name,
                            last_name=t.last_name,
                            birth_date=t.birth_date,
                            is_driver=t.is_driver,
                        )
                        for i, t in enumerate(travelers)
                    ]
                )
                Payment.objects.filter(pk__in=[p.pk for p in payments]).update(booking=booking)
                locked.status = HoldStatus.BOOKED
                locked.save(update_fields=["status"])
                return booking
        except IntegrityError:
            # A reference collision (1 in a billion); the OneToOne on hold stops doubles.
            if Booking.objects.filter(hold=hold).exists():
                raise HoldNotActive("This hold is booked already.") from None
    raise RuntimeError("could not draw a free booking reference")
