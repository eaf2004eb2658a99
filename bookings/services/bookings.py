"""Bookings: pay for a hold, then confirm it. Payment calls never run under a lock.

hold (committed) -> claim the hold for payment (one conditional UPDATE, committed) ->
Payment rows (committed) -> charge each currency -> confirm and record the charges (one
transaction under the hold's row lock). The claim makes the database pick one attempt
among any number racing for the same hold before the provider is asked for anything: the
others get 409 hold-being-paid and charge nothing. Every failure path refunds what was
charged in this attempt and gives the hold back; a crash after the claim leaves a hold
being paid and perhaps a charge without a booking: the scheduled jobs end the claim once
it is older than any request can run (`hold_claims_end_stale`) and
`reconcile_payments` refunds the charge.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING

from django.db import DatabaseError, IntegrityError, transaction

from accounts.services import user_ensure_verified
from bookings.errors import HoldBeingPaid, HoldNotActive, HoldNotFound, InventoryBusy
from bookings.models import (
    Booking,
    BookingItem,
    Hold,
    HoldItem,
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
from bookings.services.messages import booking_confirmed_queue, refund_issued_queue
from bookings.services.policies import Policy, item_policy
from travelguru.db import insert_rows
from travelguru.django_private import prefetched_rows_set
from travelguru.errors import InvalidFields
from travelguru.money import Money, totals_by_currency

if TYPE_CHECKING:
    from accounts.models import User

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


def travelers_check(*, items: Sequence[HoldItem], travelers: Sequence[TravelerIn]) -> None:
    """Names the items need, 400 otherwise: every flight passenger (airlines carry only
    named passengers), one adult lead guest per hotel room (hotels, like Booking.com and
    Expedia, ask for the name the room is held under, not every guest's), and the driver."""
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
        if item.kind == ItemKind.HOTEL and counts["adult"] < item.offer["rooms"]:
            errors.append(
                f"Name a lead guest, an adult, for each room of the stay ({item.offer['rooms']})."
            )
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
        raise InvalidFields({"travelers": errors})


def _reference() -> str:
    return "TG-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def payment_refund_full(
    payment: Payment, *, provider: PaymentProvider, reason: str, now: datetime
) -> None:
    """Give back what is left of a succeeded charge (idempotent per payment).

    The provider is asked for what has not been refunded yet (a dashboard refund may have
    given part back); the record is written under the payment's row lock, so two callers
    at once (reconcile and staff, say) record the one refund once.
    """
    remaining = payment.amount - payment.refunded_amount
    if payment.status == PaymentStatus.REFUNDED or remaining <= 0:
        return
    ref = provider.refund(
        charge_ref=payment.provider_ref,
        amount=Money.of(remaining, payment.currency),
        idempotency_key=f"{payment.idempotency_key}-refund-full",
    )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        # A charge of a booking attempt that failed to confirm is known only in memory
        # until now (booking_create records it with the booking).
        locked.provider_ref = locked.provider_ref or payment.provider_ref
        if locked.status != PaymentStatus.REFUNDED:
            Refund.objects.create(
                payment=locked,
                amount=locked.amount - locked.refunded_amount,
                currency=locked.currency,
                reason=reason,
                provider_ref=ref,
                created_at=now,
            )
            refunded = Money.of(locked.amount - locked.refunded_amount, locked.currency)
            locked.refunded_amount = locked.amount
            locked.status = PaymentStatus.REFUNDED
            locked.updated_at = now
            locked.save(update_fields=["refunded_amount", "status", "updated_at", "provider_ref"])
            if locked.booking_id is None:
                # A charge kept by no booking: the traveler saw the attempt fail, and is
                # told the money is on its way back.
                refund_issued_queue(payment=locked, amount=refunded, now=now)
    payment.refunded_amount, payment.status = locked.refunded_amount, locked.status
    payment.updated_at = locked.updated_at


def payment_settle_unknown(
    payment: Payment, *, provider: PaymentProvider, now: datetime, final: bool = False
) -> None:
    """After a timeout (or a crash mid-charge): if the provider did charge, refund it now.

    When the provider knows no such charge the payment is marked failed only when `final`
    (reconcile_payments, past a grace period): right after a timeout Stripe's search may
    not list a charge made a moment ago, so the request path leaves it unknown.
    """
    try:
        charge = provider.find_charge(idempotency_key=payment.idempotency_key)
    except PaymentTimeout:
        return  # still unknown: reconcile_payments settles it later
    if (charge is None and not final) or (charge is not None and charge.pending):
        return  # not known yet: stays unknown for reconcile_payments / the webhook
    if charge is None or not charge.succeeded:
        payment.status = PaymentStatus.FAILED
        payment.failure_code = "timeout"
        payment.updated_at = now
        payment.save(update_fields=["status", "failure_code", "updated_at"])
        return
    payment.provider_ref = charge.ref
    payment.save(update_fields=["provider_ref"])
    payment_refund_full(payment, provider=provider, reason="payment timed out", now=now)


def booking_create(
    *,
    user: User,
    hold_id: uuid.UUID,
    travelers: Sequence[TravelerIn],
    payment_token: str,
    now: datetime,
    provider: PaymentProvider | None = None,
    language: str = "",
) -> Booking:
    """Charge the hold's totals (one charge per currency) and confirm it as a booking.

    The hold is claimed for payment first (see _hold_claim): of any number of attempts at
    once, one charges, the others raise HoldBeingPaid (409) and reach no provider. Raises
    HoldNotFound, HoldNotActive (expired, released or booked), HoldBeingPaid, OfferStarted
    (409: an item's flight left or its check-in or pick-up day ended at the place),
    PaymentDeclined (402), PaymentTimeout (504), PaymentProviderError (502), InventoryBusy
    (503: the hold row stayed locked past the bounded wait); on each of them no booking
    exists and no charge of this attempt is kept. The hold stays usable until it expires.
    EmailNotVerified (403) before anything else: only a traveler whose address is verified
    books, so confirmations and refunds go to a mailbox that is theirs.
    """
    user_ensure_verified(user)
    # The traveler's own hold's items (a hold has at least one; another traveler's hold is
    # not found). Not the hold's row: whether it can be paid for is the claim's to say
    # (below), in the one statement that decides it. A few items: sorted here.
    items = sorted(
        HoldItem.objects.filter(hold_id=hold_id, hold__user=user).order_by(),
        key=attrgetter("position"),
    )
    if not items:
        raise HoldNotFound()
    travelers_check(items=items, travelers=travelers)
    # Cancellation policies come from the terms the hold kept: done before any charge.
    policies = [item_policy(item, booked_at=now) for item in items]
    # A hold may outlive its trip's start at the place (midnight at the hotel, a departure):
    # what has begun is refused before anything is charged (OfferStarted, 409).
    for policy in policies:
        policy.check_sellable(now=now)
    provider = provider or get_provider()
    _hold_claim(hold_id, now=now)
    try:
        return _booking_pay(
            user=user, hold_id=hold_id, items=items, policies=policies, travelers=travelers,
            payment_token=payment_token, provider=provider, now=now, language=language,
        )  # fmt: skip
    except BaseException:
        # Declined, failed at the provider, not confirmed in time: the traveler may try
        # again (another card) until the hold expires. If even this fails (the database
        # went away), the claim runs out and the scheduled jobs end it.
        with suppress(DatabaseError):
            Hold.objects.filter(pk=hold_id, status=HoldStatus.PAYING, paying_since=now).update(
                status=HoldStatus.ACTIVE, paying_since=None
            )
        raise


def _hold_check_payable(status: str) -> None:
    if status == HoldStatus.PAYING:
        raise HoldBeingPaid(
            "Another payment for this trip is in progress (in another tab or window?). "
            "Look at your bookings in a moment before paying again."
        )
    if status != HoldStatus.ACTIVE:
        raise HoldNotActive(f"This hold is {status}; hold the offers again.")


def _hold_claim(hold_id: uuid.UUID, *, now: datetime) -> None:
    """Claim the hold for this attempt's payment (its claim is its time, `now`), or raise
    why it cannot be paid for (being paid, expired, released or booked).

    One conditional UPDATE in autocommit: the database lets exactly one of any number of
    attempts at once move the hold from active (and not expired) to paying, and nothing is
    charged before that. The claim is committed at once, so losers answer at once instead
    of waiting on a lock through the winner's charge; while it lasts the hold neither
    expires nor can be released, so its inventory is not sold again under the charge.
    """
    with lock_wait_bounded():
        claimed = Hold.objects.filter(
            pk=hold_id, status=HoldStatus.ACTIVE, expires_at__gt=now
        ).update(status=HoldStatus.PAYING, paying_since=now)
    if not claimed:
        current = Hold.objects.filter(pk=hold_id).values_list("status", "expires_at").first()
        status, expires_at = current or (HoldStatus.EXPIRED, now)
        if status == HoldStatus.ACTIVE and expires_at <= now:
            status = HoldStatus.EXPIRED
        _hold_check_payable(status)


def _booking_pay(
    *,
    user: User,
    hold_id: uuid.UUID,
    items: list[HoldItem],
    policies: list[Policy],
    travelers: Sequence[TravelerIn],
    payment_token: str,
    provider: PaymentProvider,
    now: datetime,
    language: str,
) -> Booking:
    """Charge the claimed hold and confirm it; on failure refund this attempt's charges."""
    # One row per currency, all or none; each needs its id (its charge's idempotency key),
    # which insert_rows gives on MySQL too. The usual single row is one INSERT on its own.
    # Nothing is charged before they exist, so every charge has a row to reconcile.
    totals = totals_by_currency(item.price for item in items)
    with lock_wait_bounded(), transaction.atomic() if len(totals) > 1 else nullcontext():
        payments = insert_rows(
            [
                Payment(
                    hold_id=hold_id,
                    user=user,
                    provider=provider.name,
                    amount=total.amount,
                    currency=total.currency,
                    status=PaymentStatus.PENDING,
                    created_at=now,
                    updated_at=now,
                )
                for total in totals
            ]
        )
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
                description=f"TravelGuru trip {hold_id}",
            )
        except PaymentDeclined as exc:
            payment.status = PaymentStatus.FAILED
            payment.failure_code = str(exc.extra.get("decline_code", "declined"))[:64]
            payment.updated_at = now
            payment.save(update_fields=["status", "failure_code", "updated_at"])
            undo("another charge of the trip was declined")
            raise
        except (PaymentTimeout, PaymentProviderError):
            # No answer, or an error from the provider's side: the charge may or may not
            # have happened. Look it up (refund if found) and give back the others now.
            payment.status = PaymentStatus.UNKNOWN
            payment.updated_at = now
            payment.save(update_fields=["status", "updated_at"])
            payment_settle_unknown(payment, provider=provider, now=now)
            undo("another charge of the trip failed at the provider")
            raise
        # Recorded with the booking, under the hold's lock (one statement where two were):
        # a process dying before that leaves the row pending, which reconcile_payments
        # looks up at the provider by its key and refunds, as for a death mid-charge.
        payment.status = PaymentStatus.SUCCEEDED
        payment.provider_ref = charge.ref
        payment.updated_at = now
        charged.append(payment)

    try:
        return _booking_confirm(
            user=user, hold_id=hold_id, items=items, policies=policies, payments=payments,
            travelers=travelers, now=now, language=language,
        )  # fmt: skip
    except HoldNotActive:
        undo("the hold ended before the booking was confirmed")
        raise
    except InventoryBusy:
        # The hold row stayed locked past the bounded wait (503): give the money back now
        # rather than leave it to reconcile_payments; the hold is still the traveler's.
        undo("the booking could not be confirmed in time")
        raise


def _booking_confirm(
    *,
    user: User,
    hold_id: uuid.UUID,
    items: list[HoldItem],
    policies: list[Policy],
    payments: list[Payment],
    travelers: Sequence[TravelerIn],
    now: datetime,
    language: str,
) -> Booking:
    """Confirm under the hold's row lock, held for the writes only. The booking comes
    back with its items, travelers and payments attached, so answering needs no re-read.

    The lock is taken by marking the hold booked, first thing in the transaction, only if
    it is still claimed for this payment: one statement where a locked read and an update
    were two (the row lock is the UPDATE's, held until commit, as the read's was). The
    claim is told by its time: one the scheduled jobs took for abandoned is gone, even if
    the hold was claimed again since by another attempt: this attempt's claim is `now`."""
    for _ in range(5):
        try:
            with transaction.atomic(), lock_wait_bounded():
                if not Hold.objects.filter(
                    pk=hold_id, status=HoldStatus.PAYING, paying_since=now
                ).update(status=HoldStatus.BOOKED):
                    current = Hold.objects.filter(pk=hold_id).values_list("status", flat=True)
                    raise HoldNotActive(f"This hold is {current.first()}; hold the offers again.")
                booking = Booking.objects.create(
                    reference=_reference(), user=user, hold_id=hold_id, created_at=now,
                    language=language,
                )  # fmt: skip
                booking_items = BookingItem.objects.bulk_create(
                    [
                        BookingItem(
                            booking=booking,
                            position=item.position,
                            kind=item.kind,
                            description=item.description,
                            price_amount=item.price_amount,
                            price_currency=item.price_currency,
                            units=item.units,
                            offer=item.offer,
                            refunded_amount=Decimal(0),
                            service_start=policy.service_start,
                            service_end=policy.service_end,
                            start_timezone=policy.start_zone,
                            end_timezone=policy.end_zone,
                            free_cancellation_until=policy.free_until,
                            refund_after_deadline=policy.refund_after_deadline,
                        )
                        for item, policy in zip(items, policies, strict=True)
                    ]
                )
                booked_travelers = Traveler.objects.bulk_create(
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
                for payment in payments:
                    Payment.objects.filter(pk=payment.pk).update(
                        booking=booking,
                        status=payment.status,
                        provider_ref=payment.provider_ref,
                        updated_at=payment.updated_at,
                    )
                # In the confirming transaction: the message exists if and only if the
                # booking does; it is sent after the commit, outside the hold's lock.
                booking_confirmed_queue(
                    booking=booking, items=booking_items, travelers=booked_travelers,
                    payments=payments, now=now,
                )  # fmt: skip
        except IntegrityError:
            # A reference collision (1 in a billion); the OneToOne on hold stops doubles.
            if Booking.objects.filter(hold_id=hold_id).exists():
                raise HoldNotActive("This hold is booked already.") from None
            continue
        for payment in payments:
            payment.booking = booking
        prefetched_rows_set(booking, "items", booking_items)
        prefetched_rows_set(booking, "travelers", booked_travelers)
        prefetched_rows_set(booking, "payments", payments)
        return booking
    raise RuntimeError("could not draw a free booking reference")
