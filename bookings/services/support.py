"""What customer service does to a booking: refund part of it, cancel one item, correct a
traveler's spelling, send the confirmation again, keep internal notes.

Every action takes the staff member and a reason; the admin records the audit entry after
the service succeeded (an entry means it happened). Refunds go through the same provider
path as travelers' cancellations (`get_provider`), outside any lock: the amount is first
set aside on the payment under the booking's row lock (a pending Refund counted as
refunded), so two requests at once can never give back more than was paid, and the same
request sent twice (its `request_key`) makes one refund.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from bookings.errors import (
    InvalidRefundAmount,
    ItemNotCancellable,
    NameChangeTooLarge,
    ReasonRequired,
    RefundAboveRemaining,
    RefundAlreadyRequested,
    SupportActionNotAllowed,
)
from bookings.models import (
    Booking,
    BookingItem,
    BookingNote,
    BookingStatus,
    HoldUnit,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Traveler,
)
from bookings.payments import get_provider
from bookings.payments.base import PaymentTimeout
from bookings.services.cancellation import refund_limits_check, staff_refund_limits
from bookings.services.inventory import lock_wait_bounded, units_give_back
from bookings.services.messages import booking_confirmation_requeue
from bookings.services.policies import refund_due
from notifications.models import Message
from travelguru.errors import DomainError, InvalidFields
from travelguru.money import Money, quantize

_REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
REASON_MAX = 300


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason[:REASON_MAX]


def _require(staff: Any, permission: str) -> None:
    if not staff.has_perm(permission):
        raise SupportActionNotAllowed()


# --- refunds -----------------------------------------------------------------------------


def _reserve(
    *, locked: Booking, payment: Payment, amount: Decimal, staff: Any, reason: str,
    request_key: str, now: datetime,
) -> Refund:  # fmt: skip
    """Set `amount` aside on `payment` (locked with its booking): a pending Refund."""
    if Refund.objects.filter(request_key=request_key).exists():
        raise RefundAlreadyRequested()
    remaining = payment.amount - payment.refunded_amount
    if amount > remaining:
        raise RefundAboveRemaining(
            f"{amount} {payment.currency} is more than the {remaining} {payment.currency} that"
            f" remains of what was paid ({payment.amount} {payment.currency} paid,"
            f" {payment.refunded_amount} {payment.currency} refunded).",
            remaining=str(remaining),
            currency=payment.currency,
        )
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                payment=payment, amount=amount, currency=payment.currency,
                reason=f"{reason}"[:100], created_at=now, status=RefundStatus.PENDING,
                requested_by=staff, request_key=request_key,
            )  # fmt: skip
    except IntegrityError:  # the key's unique index: the same request made it first
        raise RefundAlreadyRequested() from None
    payment.refunded_amount += amount
    if payment.refunded_amount >= payment.amount:
        payment.status = PaymentStatus.REFUNDED
    payment.updated_at = now
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    return refund


def _send(
    refund: Refund, payment: Payment, *, now: datetime, then: Callable[[], None] | None = None
) -> Refund:
    """Ask the provider for the reserved refund (no lock held), then record its answer.

    A refusal gives the reservation back (nothing was refunded); a timeout leaves it pending,
    as the money may have gone: `refund_pending_settle` (reconciliation) settles it, never a
    second refund."""
    try:
        ref = get_provider(payment.provider).refund(
            charge_ref=payment.provider_ref,
            amount=Money.of(refund.amount, refund.currency),
            idempotency_key=_refund_key(refund),
        )
    except PaymentTimeout:
        raise
    except DomainError:
        _give_back(refund, payment, now=now)
        raise
    return _refunded(refund, payment, ref=ref, then=then)


def _refund_key(refund: Refund) -> str:
    return f"travelguru-refund-{refund.pk}"


def _give_back(refund: Refund, payment: Payment, *, now: datetime) -> None:
    """The provider refused: the reservation goes back to the payment, once (the refund row,
    still pending, is deleted by whoever gives it back first)."""
    with transaction.atomic(), lock_wait_bounded():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        deleted, _ = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).delete()
        if not deleted:
            return
        locked.refunded_amount -= refund.amount
        if locked.refunded_amount < locked.amount:
            locked.status = PaymentStatus.SUCCEEDED
        locked.updated_at = now
        locked.save(update_fields=["refunded_amount", "status", "updated_at"])


def _refunded(
    refund: Refund, payment: Payment, *, ref: str, then: Callable[[], None] | None
) -> Refund:
    with transaction.atomic(), lock_wait_bounded():
        # The booking's row alone, by its key, as every support action locks it first (a
        # join with payments would lock those rows first and deadlock with them).
        list(Booking.objects.select_for_update().filter(pk=payment.booking_id or 0))
        refund.provider_ref, refund.status = ref, RefundStatus.SUCCEEDED
        refund.save(update_fields=["provider_ref", "status"])
        if then is not None:
            then()
    return refund


def refund_pending_settle(refund: Refund, *, now: datetime) -> Refund:
    """Settle a refund whose provider's answer was lost (a timeout left it pending).

    The provider is asked for the refund made with its key first: found, it is recorded;
    not found, nothing was refunded and it is asked for again with the same key (a request
    racing the first one is still answered with it, not made twice). The rest of what the
    request was for follows a refund that succeeded (an item's cancellation, by its key). A
    refusal gives the reservation back; PaymentTimeout again leaves it pending for the next
    run. A refund no longer pending is returned as it is."""
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if refund.status != RefundStatus.PENDING:
        return refund
    payment = refund.payment
    then = _after_refund(refund, now=now)
    found = get_provider(payment.provider).find_refund(
        charge_ref=payment.provider_ref, idempotency_key=_refund_key(refund)
    )
    if found is not None:
        return _refunded(refund, payment, ref=found, then=then)
    return _send(refund, payment, now=now, then=then)


def _after_refund(refund: Refund, *, now: datetime) -> Callable[[], None] | None:
    """What a refund's request does once the money is back: an item's cancellation (its
    request key names the item), nothing for a partial refund."""
    match = _ITEM_CANCEL_KEY.fullmatch(refund.request_key or "")
    if match is None:
        return None
    return _item_cancel_then(
        booking_id=refund.payment.booking_id or 0, item_id=int(match.group(1)),
        refunded=refund.amount, now=now,
    )  # fmt: skip


def _amount(amount: Money) -> Decimal:
    value = amount.amount
    if not value.is_finite() or value <= 0 or quantize(value, amount.currency) != value:
        raise InvalidRefundAmount(
            f"Give a positive amount in {amount.currency} with at most the currency's decimals."
        )
    return value


def booking_refund_partial(
    *, booking: Booking, staff: Any, amount: Money, reason: str, request_key: str,
    now: datetime,
) -> Refund:  # fmt: skip
    """Give `amount` back on the booking's payment in that currency; the booking stays.

    Never above what was paid minus what was refunded (pending refunds included), within
    the staff member's refund limit (refunds made before count), checked under the booking's
    row lock so that parallel requests are decided one after the other."""
    reason = _reason(reason)
    limits = staff_refund_limits(staff)
    value = _amount(amount)
    with transaction.atomic(), lock_wait_bounded():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        payments = list(
            Payment.objects.select_for_update()
            .filter(booking=locked, status__in=_REFUNDABLE)
            .order_by("pk")
        )
        payment = next((p for p in payments if p.currency == amount.currency), None)
        if payment is None:
            raise InvalidRefundAmount(
                f"Booking {locked.reference} was not paid in {amount.currency}.",
                currencies=sorted({p.currency for p in payments}),
            )
        if limits is not None:
            refund_limits_check(limits, {amount.currency: value}, payments)
        refund = _reserve(
            locked=locked, payment=payment, amount=value, staff=staff, reason=reason,
            request_key=request_key, now=now,
        )  # fmt: skip
    return _send(refund, payment, now=now)


def booking_item_cancel(
    *, booking: Booking, position: int, staff: Any, reason: str, now: datetime
) -> BookingItem:
    """Cancel one item of a trip: its refund under its own policy, its inventory back (when
    it has not started); the rest of the trip stays. Cancelling the last confirmed item
    cancels the booking. An item is cancelled once (its refund's key is the item's)."""
    reason = _reason(reason)
    limits = staff_refund_limits(staff)
    with transaction.atomic(), lock_wait_bounded():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        item = BookingItem.objects.filter(booking=locked, position=position).first()
        if item is None or item.status != BookingStatus.CONFIRMED:
            raise ItemNotCancellable(
                f"Item {position} of {locked.reference} is not a confirmed item."
            )
        request_key = _item_cancel_key(item)
        # Its refund is with the provider now (another agent, a second click): what remains
        # paid would read as nothing due, and the item would be cancelled twice over.
        if Refund.objects.filter(request_key=request_key).exists():
            raise RefundAlreadyRequested("This item's cancellation is under way.")
        payments = list(
            Payment.objects.select_for_update()
            .filter(booking=locked, status__in=_REFUNDABLE)
            .order_by("pk")
        )
        payment = next((p for p in payments if p.currency == item.price_currency), None)
        due = refund_due(item, now=now)
        if payment is not None:
            due = min(due, payment.amount - payment.refunded_amount)
        else:
            due = Decimal(0)
        if limits is not None:
            refund_limits_check(limits, {item.price_currency: due}, payments)
        refund = None
        if due > 0 and payment is not None:
            refund = _reserve(
                locked=locked, payment=payment, amount=due, staff=staff, reason=reason,
                request_key=request_key, now=now,
            )  # fmt: skip
        else:
            _item_cancelled(locked, item, refunded=Decimal(0), now=now)
    if refund is not None and payment is not None:
        _send(
            refund, payment, now=now,
            then=_item_cancel_then(booking_id=booking.pk, item_id=item.pk, refunded=due, now=now),
        )  # fmt: skip
    item.refresh_from_db()
    return item


# An item's cancellation's refund key: the item's, so it is cancelled once, and found again
# by reconciliation when its refund's answer was lost.
_ITEM_CANCEL_KEY = re.compile(r"booking-item-(\d+)-cancel")


def _item_cancel_key(item: BookingItem) -> str:
    return f"booking-item-{item.pk}-cancel"


def _item_cancel_then(
    *, booking_id: int, item_id: int, refunded: Decimal, now: datetime
) -> Callable[[], None]:
    """The item's cancellation once its refund succeeded (run under the booking's lock)."""
    return lambda: _item_cancelled(
        Booking.objects.get(pk=booking_id), BookingItem.objects.get(pk=item_id),
        refunded=refunded, now=now,
    )  # fmt: skip


def _item_cancelled(
    locked: Booking, item: BookingItem, *, refunded: Decimal, now: datetime
) -> None:
    """Under the booking's row lock: the item's inventory back, the item (and the booking
    when nothing else is confirmed) cancelled. An item the whole booking's cancellation
    took meanwhile keeps what that gave it."""
    if item.status != BookingStatus.CONFIRMED:
        return
    if now < item.service_start:
        units_give_back(
            HoldUnit.objects.filter(item__hold_id=locked.hold_id, item__position=item.position)
        )
    item.status = BookingStatus.CANCELLED
    item.refunded_amount = refunded
    item.cancelled_at = now
    item.save(update_fields=["status", "refunded_amount", "cancelled_at"])
    if not locked.items.filter(status=BookingStatus.CONFIRMED).exists():
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = now
        locked.cancel_requested_at = locked.cancel_requested_at or now
        locked.save(update_fields=["status", "cancelled_at", "cancel_requested_at"])


# --- travelers' names --------------------------------------------------------------------


def _fold(name: str) -> str:
    """Case, accents, spaces, hyphens and apostrophes do not count as edits."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = (c for c in decomposed if not unicodedata.combining(c) and c not in " -'’.")
    return "".join(kept).casefold()


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    two neighbouring letters ("Smiht" → "Smith" is one edit)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _allowance(old: str) -> int:
    # A short name has few letters to get wrong: one edit, else it becomes another name.
    return 1 if len(old) <= 4 else 2


def name_correction_allowed(old: tuple[str, str], new: tuple[str, str]) -> bool:
    """The rule: the same person's name spelt right. Each of first and last name moves by at
    most one edit (names of up to four letters) or two (longer), case, accents, spaces,
    hyphens and apostrophes aside; first and last name may also be swapped (a form filled
    the wrong way round) under the same allowance. Anything more is a different person: a
    name transfer, which support does not do."""
    folded_old = tuple(_fold(n) for n in old)
    folded_new = tuple(_fold(n) for n in new)

    def within(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return all(edit_distance(x, y) <= _allowance(x) for x, y in zip(a, b, strict=True))

    return within(folded_old, folded_new) or within(folded_old, folded_new[::-1])


def traveler_name_correct(
    *, traveler: Traveler, first_name: str, last_name: str, staff: Any, reason: str,
    now: datetime,
) -> dict[str, int]:  # fmt: skip
    """Correct the spelling of a traveler's name (name_correction_allowed says how far).

    Returns the edits per part, for the audit entry: the old spelling is not kept anywhere,
    so an erasure of the person leaves no trace of it."""
    _require(staff, "bookings.correct_traveler_name")
    reason = _reason(reason)
    first_name, last_name = first_name.strip(), last_name.strip()
    errors = {
        field: ["A name is needed."]
        for field, value in (("first_name", first_name), ("last_name", last_name))
        if not value
    }
    errors |= {
        field: ["At most 100 characters."]
        for field, value in (("first_name", first_name), ("last_name", last_name))
        if len(value) > 100
    }
    if errors:
        raise InvalidFields(errors)
    with transaction.atomic(), lock_wait_bounded():
        Booking.objects.select_for_update().get(pk=traveler.booking_id)
        locked = Traveler.objects.get(pk=traveler.pk)
        old = (locked.first_name, locked.last_name)
        if old == (first_name, last_name):
            raise InvalidFields({"last_name": ["This is the name already."]})
        if not name_correction_allowed(old, (first_name, last_name)):
            raise NameChangeTooLarge(
                "Only the spelling of the same person's name can be corrected (at most one"
                " edit in a name of up to four letters, two in a longer one); another"
                " traveler needs a new booking."
            )
        locked.first_name, locked.last_name = first_name, last_name
        locked.save(update_fields=["first_name", "last_name"])
    return {
        "first_name": edit_distance(_fold(old[0]), _fold(first_name)),
        "last_name": edit_distance(_fold(old[1]), _fold(last_name)),
    }


# --- confirmation, notes -----------------------------------------------------------------


def booking_confirmation_resend(
    *, booking: Booking, staff: Any, reason: str, now: datetime
) -> Message:
    """Send the booking's confirmation to the traveler again, as the booking stands now;
    returns the queued message (sent after the commit, like any other)."""
    _require(staff, "bookings.resend_confirmation")
    _reason(reason)
    with transaction.atomic():
        return booking_confirmation_requeue(booking=booking, now=now)


def booking_note_add(*, booking: Booking, staff: Any, text: str, now: datetime) -> BookingNote:
    """An internal note on the booking, for staff only (no traveler-facing API reads it)."""
    _require(staff, "bookings.add_bookingnote")
    text = (text or "").strip()
    if not text:
        raise InvalidFields({"text": ["Write the note."]})
    if len(text) > 4000:
        raise InvalidFields({"text": ["At most 4000 characters."]})
    return BookingNote.objects.create(booking=booking, author=staff, text=text, created_at=now)
