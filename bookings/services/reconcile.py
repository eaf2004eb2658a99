"""Find charges that have no booking and give the money back (`manage.py reconcile_payments`).

A charge without a booking happens when the process dies between the provider's "yes" and
the confirming commit, which records the answer (the Payment is then still `pending`), when
a refund of a failed attempt failed (`succeeded` without a booking), or when a provider
timed out and nobody learnt the outcome (`unknown`). Pending and unknown payments are
looked up at the provider by their idempotency key: a charge found is refunded, none found
means nothing was charged. Only payments older than a grace period are touched, so a
booking still being paid or confirmed is left alone. Idempotency keys past their 24 hours
are purged on the same schedule.

A staff refund whose provider's answer was lost (a timeout) stays pending: each run asks
the provider again (`refund_pending_settle`: found by its key, or sent again with it) for
those older than the grace period, and records the outcome.

A process that died while paying also leaves its hold claimed for payment: claims older
than any request can run are ended first (as the expiry job does), and the payments made
under them are settled at once, without the grace period: an ended claim can no longer be
confirmed. The claim ends before its money is touched, so nothing books on it meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from bookings.models import Payment, PaymentStatus, Refund, RefundStatus
from bookings.payments import get_provider
from bookings.payments.base import PaymentTimeout
from bookings.services.bookings import payment_refund_full, payment_settle_unknown
from bookings.services.holds import hold_claims_end_stale
from bookings.services.idempotency import idempotency_purge_expired
from bookings.services.support import refund_pending_settle
from travelguru.errors import DomainError

GRACE = timedelta(minutes=5)


@dataclass
class ReconcileReport:
    refunded: list[int] = field(default_factory=list)  # payment ids
    settled_unknown: list[int] = field(default_factory=list)
    still_unknown: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)  # the provider failed: next run retries
    purged_keys: int = 0
    ended_claims: list[str] = field(default_factory=list)  # hold ids
    refunds_settled: list[int] = field(default_factory=list)  # refund ids, now succeeded
    refunds_given_back: list[int] = field(default_factory=list)  # refused: nothing refunded
    refunds_pending: list[int] = field(default_factory=list)  # no answer again: next run

    def summary(self) -> str:
        return (
            f"refunded {len(self.refunded)} charge(s) without a booking {self.refunded}; "
            f"settled {len(self.settled_unknown)} pending or timed-out payment(s) "
            f"{self.settled_unknown}; {len(self.still_unknown)} still unknown "
            f"{self.still_unknown}; {len(self.errors)} failed at the provider {self.errors}; "
            f"purged {self.purged_keys} idempotency key(s) older than 24 hours; "
            f"ended {len(self.ended_claims)} abandoned claim(s) for payment on hold(s) "
            f"{self.ended_claims}; settled {len(self.refunds_settled)} pending refund(s) "
            f"{self.refunds_settled}, gave back {len(self.refunds_given_back)} refused "
            f"{self.refunds_given_back}, {len(self.refunds_pending)} still without an answer "
            f"{self.refunds_pending}"
        )


def payments_reconcile(*, now: datetime) -> ReconcileReport:
    report = ReconcileReport()
    ended = hold_claims_end_stale(now=now)
    report.ended_claims = [str(pk) for pk in ended]
    cutoff = now - GRACE
    settle_now = Q(created_at__lte=cutoff) | Q(hold_id__in=ended)
    orphans = Payment.objects.filter(
        settle_now, status=PaymentStatus.SUCCEEDED, booking__isnull=True
    ).order_by("pk")
    for payment in orphans:
        provider = get_provider(payment.provider)
        try:
            payment_refund_full(
                payment, provider=provider, reason="charge without a booking", now=now
            )
        except DomainError:  # provider error or timeout: the next run tries again
            report.errors.append(payment.pk)
            continue
        report.refunded.append(payment.pk)
    unknown = Payment.objects.filter(
        settle_now, status__in=[PaymentStatus.UNKNOWN, PaymentStatus.PENDING]
    ).order_by("pk")
    for payment in unknown:
        try:
            # Within the grace period a charge made a moment ago may not be listed yet
            # (Stripe's search lags): not found stays unknown until a later run.
            payment_settle_unknown(
                payment,
                provider=get_provider(payment.provider),
                now=now,
                final=payment.created_at <= cutoff,
            )
        except DomainError:
            report.errors.append(payment.pk)
            continue
        payment.refresh_from_db()
        if payment.status in (PaymentStatus.UNKNOWN, PaymentStatus.PENDING):
            report.still_unknown.append(payment.pk)
        else:
            report.settled_unknown.append(payment.pk)
    _refunds_settle(report, cutoff=cutoff, now=now)
    report.purged_keys = idempotency_purge_expired(now=now)
    return report


def _refunds_settle(report: ReconcileReport, *, cutoff: datetime, now: datetime) -> None:
    pending = Refund.objects.filter(status=RefundStatus.PENDING, created_at__lte=cutoff)
    for refund in pending.order_by("pk"):
        try:
            settled = refund_pending_settle(refund, now=now)
        except PaymentTimeout:
            report.refunds_pending.append(refund.pk)
            continue
        except DomainError:  # refused for good: the reservation went back to the payment
            report.refunds_given_back.append(refund.pk)
            continue
        if settled.status == RefundStatus.SUCCEEDED:
            report.refunds_settled.append(refund.pk)
