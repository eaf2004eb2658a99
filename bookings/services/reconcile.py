"""Find charges that have no booking and give the money back (`manage.py reconcile_payments`).

A charge without a booking happens when the process dies between the provider's "yes" and
the confirming commit, when it dies during the provider call (the payment stays pending),
or when a provider timed out or failed and nobody learnt the outcome. Only
payments older than a grace period are touched, so a booking still being confirmed is left
alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bookings.models import Payment, PaymentStatus
from bookings.payments import get_provider
from bookings.services.bookings import payment_refund_full, payment_settle_unknown

GRACE = timedelta(minutes=5)


@dataclass
class ReconcileReport:
    refunded: list[int] = field(default_factory=list)  # payment ids
    settled_unknown: list[int] = field(default_factory=list)
    still_unknown: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"refunded {len(self.refunded)} charge(s) without a booking {self.refunded}; "
            f"settled {len(self.settled_unknown)} timed-out payment(s); "
            f"{len(self.still_unknown)} still unknown {self.still_unknown}"
        )


def payments_reconcile(*, now: datetime) -> ReconcileReport:
    report = ReconcileReport()
    cutoff = now - GRACE
    orphans = Payment.objects.filter(
        status=PaymentStatus.SUCCEEDED, booking__isnull=True, created_at__lte=cutoff
    )
    for payment in orphans:
        provider = get_provider(payment.provider)
        payment_refund_full(payment, provider=provider, reason="charge without a booking", now=now)
        report.refunded.append(payment.pk)
    # PENDING past the grace period means the process died during the provider call
    # (a killed worker, a Lambda timeout): exactly as unknown as a timeout.
    unknown = Payment.objects.filter(
        status__in=[PaymentStatus.UNKNOWN, PaymentStatus.PENDING], created_at__lte=cutoff
    )
    for payment in unknown:
        payment_settle_unknown(payment, provider=get_provider(payment.provider), now=now)
        payment.refresh_from_db()
        if payment.status == PaymentStatus.UNKNOWN:
            report.still_unknown.append(payment.pk)
        else:
            report.settled_unknown.append(payment.pk)
    return report
