"""Find charges that have no booking and give the money back (`manage.py reconcile_payments`).

A charge without a booking happens when the process dies between the provider's "yes" and
the confirming commit (the Payment is then `succeeded` without a booking, or still `pending`
when it died before recording the answer), or when a provider timed out and nobody learnt
the outcome (`unknown`). Pending and unknown payments are looked up at the provider by their
idempotency key: a charge found is refunded, none found means nothing was charged. Only
payments older than a grace period are touched, so a booking still being paid or confirmed
is left alone. Idempotency keys past their 24 hours are purged on the same schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bookings.models import Payment, PaymentStatus
from bookings.payments import get_provider
from bookings.services.bookings import payment_refund_full, payment_settle_unknown
from bookings.services.idempotency import idempotency_purge_expired
from travelguru.errors import DomainError

GRACE = timedelta(minutes=5)


@dataclass
class ReconcileReport:
    refunded: list[int] = field(default_factory=list)  # payment ids
    settled_unknown: list[int] = field(default_factory=list)
    still_unknown: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)  # the provider failed: next run retries
    purged_keys: int = 0

    def summary(self) -> str:
        return (
            f"refunded {len(self.refunded)} charge(s) without a booking {self.refunded}; "
            f"settled {len(self.settled_unknown)} pending or timed-out payment(s) "
            f"{self.settled_unknown}; {len(self.still_unknown)} still unknown "
            f"{self.still_unknown}; {len(self.errors)} failed at the provider {self.errors}; "
            f"purged {self.purged_keys} idempotency key(s) older than 24 hours"
        )


def payments_reconcile(*, now: datetime) -> ReconcileReport:
    report = ReconcileReport()
    cutoff = now - GRACE
    orphans = Payment.objects.filter(
        status=PaymentStatus.SUCCEEDED, booking__isnull=True, created_at__lte=cutoff
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
        status__in=[PaymentStatus.UNKNOWN, PaymentStatus.PENDING], created_at__lte=cutoff
    ).order_by("pk")
    for payment in unknown:
        try:
            payment_settle_unknown(
                payment, provider=get_provider(payment.provider), now=now, final=True
            )
        except DomainError:
            report.errors.append(payment.pk)
            continue
        payment.refresh_from_db()
        if payment.status in (PaymentStatus.UNKNOWN, PaymentStatus.PENDING):
            report.still_unknown.append(payment.pk)
        else:
            report.settled_unknown.append(payment.pk)
    report.purged_keys = idempotency_purge_expired(now=now)
    return report
