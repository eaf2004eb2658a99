"""Bookings, holds and payments in the admin: read-only, searchable; staff cancel and
refund through the same service travelers use, after a confirmation page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingItem,
    Hold,
    HoldItem,
    HoldStatus,
    Payment,
    PaymentStatus,
    Refund,
    SandboxCharge,
    Traveler,
)
from travelguru.errors import DomainError
from travelguru.money import Money


def _money(money: Money) -> str:
    return f"{money.amount} {money.currency}"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class HoldItemInline(ReadOnlyInline):
    model = HoldItem
    fields = ["position", "kind", "description", "price_amount", "price_currency", "units"]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "status", "created_at", "expires_at", "paying_since"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=id", "user__email", "=booking__reference"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [HoldItemInline]


class BookingItemInline(ReadOnlyInline):
    model = BookingItem
    fields = [
        "position", "kind", "description", "price_amount", "price_currency", "status",
        "service_start", "free_cancellation_until", "refund_after_deadline", "refunded_amount",
    ]  # fmt: skip


class TravelerInline(ReadOnlyInline):
    model = Traveler
    fields = ["position", "type", "first_name", "last_name", "birth_date", "is_driver"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["provider", "amount", "currency", "status", "provider_ref", "refunded_amount"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["reference", "user", "status", "created_at", "cancelled_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter), "items__kind"]
    search_fields = ["=reference", "user__email", "travelers__last_name"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [BookingItemInline, TravelerInline, PaymentInline]
    actions = ["cancel_and_refund"]

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookings.refund_booking")

    @admin.action(description="Cancel and refund the selected bookings…", permissions=["refund"])
    def cancel_and_refund(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> TemplateResponse | None:
        from audit.services import audit_record
        from bookings.services.cancellation import booking_cancel
        from bookings.services.policies import refund_due

        now = timezone.now()
        bookings = list(queryset.select_related("user").prefetch_related("items"))
        if request.POST.get("post") != "yes":
            rows = [
                {
                    "reference": b.reference,
                    "email": b.user.email,
                    "description": item.description,
                    "price": _money(item.price),
                    "refund": _money(Money.of(refund_due(item, now=now), item.price_currency)),
                }
                for b in bookings
                for item in b.items.all()
                if item.status == "confirmed"
            ]
            return TemplateResponse(
                request,
                "admin/bookings/booking/cancel_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "selected": [b.pk for b in bookings],
                    "action": "cancel_and_refund",
                    "rows": rows,
                    "title": "Cancel and refund",
                },
            )
        reason = request.POST.get("reason", "").strip()[:300] or "cancelled by staff"
        cancelled, refused = 0, []
        for booking in bookings:
            if booking.status == "cancelled":
                continue  # nothing happens, so nothing to record
            try:
                booking_cancel(
                    booking=booking, now=now, reason=f"cancelled by staff {request.user}",
                    staff=request.user,
                )  # fmt: skip
            except DomainError as exc:  # above their refund limit, or the provider said no
                refused.append(f"{booking.reference}: {exc.detail}")
                continue
            cancelled += 1
            refunds = Refund.objects.filter(payment__booking=booking, created_at=now)
            audit_record(
                actor=request.user, action="booking.cancel_refund", target=booking, now=now,
                reason=reason,
                details={"refunds": [Money.of(r.amount, r.currency).as_json() for r in refunds]},
            )  # fmt: skip
        self.message_user(request, f"Cancelled {cancelled} booking(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not cancelled: " + "; ".join(refused), messages.ERROR)
        return None


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "provider", "amount", "currency", "status", "booking", "user", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "provider", "currency", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=provider_ref", "=booking__reference", "user__email", "=hold__id"]
    list_select_related = ["booking", "user"]
    date_hierarchy = "created_at"
    actions = ["refund_orphans"]

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookings.refund_payment")

    @admin.action(
        description="Refund the selected charges that have no booking…", permissions=["refund"]
    )
    def refund_orphans(
        self, request: HttpRequest, queryset: QuerySet[Payment]
    ) -> TemplateResponse | None:
        """What reconcile_payments does, now, for the charges staff picked. Charges of a
        booking are refunded by cancelling it (so its inventory goes back too)."""
        from bookings.payments import get_provider
        from bookings.services.bookings import payment_refund_full

        # A charge whose hold is still being paid for is about to get its booking: refunding
        # it would leave a booking paid for with money given back. Once its claim is taken
        # for abandoned, the scheduled jobs end the hold and it can be refunded.
        orphans = list(
            queryset.filter(status=PaymentStatus.SUCCEEDED, booking__isnull=True)
            .exclude(hold__status=HoldStatus.PAYING)
            .select_related("user")
        )
        skipped = queryset.count() - len(orphans)
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/bookings/payment/refund_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "payments": orphans,
                    "selected": list(queryset.values_list("pk", flat=True)),
                    "action": "refund_orphans",
                    "skipped": skipped,
                    "title": "Refund charges without a booking",
                },
            )
        now = timezone.now()
        refunded, failed = 0, []
        for payment in orphans:
            try:
                payment_refund_full(
                    payment,
                    provider=get_provider(payment.provider),
                    reason=f"refunded by staff {request.user}",
                    now=now,
                )
            except DomainError as exc:  # the provider said no or did not answer
                failed.append(f"payment {payment.pk}: {exc.detail}")
                continue
            refunded += 1
        self.message_user(
            request,
            f"Refunded {refunded} charge(s); {skipped} skipped (booked, being paid, failed "
            "or refunded already: cancel a booking to refund it).",
            messages.SUCCESS,
        )
        if failed:
            self.message_user(request, "Not refunded: " + "; ".join(failed), messages.ERROR)
        return None


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount", "currency", "reason", "created_at"]
    list_filter = [("created_at", admin.DateFieldListFilter), "currency"]
    search_fields = ["=provider_ref", "=payment__booking__reference", "payment__user__email"]
    list_select_related = ["payment"]
    date_hierarchy = "created_at"


@admin.register(SandboxCharge)
class SandboxChargeAdmin(ReadOnlyAdmin):
    """The sandbox provider's own ledger (its 'dashboard')."""

    list_display = ["ref", "amount", "currency", "succeeded", "refunded_amount", "created_at"]
    list_filter = ["succeeded", "currency"]
    search_fields = ["=ref", "=idempotency_key"]
