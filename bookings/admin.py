"""Bookings, holds and payments in the admin: read-only, searchable; staff cancel and
refund through the same service travelers use, after a confirmation page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
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
from notifications.admin import BookingMessageInline
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


def problem_message(exc: Any) -> str:
    """A domain error as staff read it: what went wrong, why, and its stable code."""
    detail = f" {exc.detail}" if exc.detail != exc.title else ""
    return f"{exc.title}.{detail} [{exc.code}]"


# The support actions on a booking's page: (URL name suffix, title, permission).
SUPPORT_ACTIONS: dict[str, tuple[str, str]] = {
    "refund": ("Partial refund", "bookings.refund_booking"),
    "cancel_item": ("Cancel one item", "bookings.refund_booking"),
    "traveler_name": ("Correct a traveler's name", "bookings.correct_traveler_name"),
    "resend_confirmation": ("Send the confirmation again", "bookings.resend_confirmation"),
    "note": ("Add an internal note", "bookings.add_bookingnote"),
}


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["reference", "user", "status", "created_at", "cancelled_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter), "items__kind"]
    # The search box is bookings_search (get_search_results); this only makes it appear.
    search_fields = ["reference"]
    search_help_text = (
        "Reference, email, traveler's name, date of travel (YYYY-MM-DD), hotel, or payment"
        " reference (pi_…, ch_…)."
    )
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [BookingItemInline, TravelerInline, PaymentInline, BookingMessageInline]
    actions = ["cancel_and_refund"]
    change_form_template = "admin/bookings/booking/change_form_timeline.html"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Booking], search_term: str
    ) -> tuple[QuerySet[Booking], bool]:
        from bookings.selectors.support import bookings_search

        return bookings_search(queryset, search_term), False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:  # fmt: skip
        from bookings.selectors.support import booking_timeline, local_with_offset

        booking = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if booking is not None and self.has_view_permission(request, booking):
            zone = getattr(request.user, "time_zone", "") or "UTC"
            context["timeline"] = [
                {"at": local_with_offset(e.at, zone), "event": e,
                 "amount": f"{e.amount.amount} {e.amount.currency}" if e.amount else ""}
                for e in booking_timeline(booking)
            ]  # fmt: skip
            context["staff_zone"] = zone
            context["support_actions"] = [
                (reverse(f"admin:bookings_booking_{name}", args=[booking.pk]), title)
                for name, (title, permission) in SUPPORT_ACTIONS.items()
                if request.user.has_perm(permission)
            ]
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        def view(name: str) -> URLPattern:
            handler = self.admin_site.admin_view(self._support_view(name))
            return path(f"<path:object_id>/{name.replace('_', '-')}/", handler,
                        name=f"bookings_booking_{name}")  # fmt: skip

        return [view(name) for name in SUPPORT_ACTIONS] + super().get_urls()

    def _support_view(self, name: str) -> Callable[..., HttpResponse]:
        def handle(request: HttpRequest, object_id: str) -> HttpResponse:
            title, permission = SUPPORT_ACTIONS[name]
            if not request.user.has_perm("bookings.view_booking") or not request.user.has_perm(
                permission
            ):
                raise PermissionDenied
            # get_object reads the admin's quoted key and answers None for one that is not
            # a key at all ("abc"), so a typed-in URL is a 404, never a 500.
            booking = self.get_object(request, unquote(object_id))
            if booking is None:
                raise Http404("No such booking.")
            form = self._support_form(
                name, booking, request.POST if request.method == "POST" else None
            )
            status = 200
            if request.method == "POST" and form.is_valid():
                try:
                    done = self._support_run(name, request, booking, form.cleaned_data)
                except DomainError as exc:
                    self.message_user(request, problem_message(exc), messages.ERROR)
                    status = exc.status
                else:
                    self.message_user(request, done, messages.SUCCESS)
                    return HttpResponseRedirect(
                        reverse("admin:bookings_booking_change", args=[booking.pk])
                    )
            elif request.method == "POST":
                status = 422
            return TemplateResponse(
                request,
                "admin/bookings/booking/support_action.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "original": booking,
                    "form": form,
                    "title": f"{title}: {booking.reference}",
                    "action_title": title,
                },  # fmt: skip
                status=status,
            )

        return handle

    def _support_form(self, name: str, booking: Booking, data: Any) -> forms.Form:
        from bookings import support_forms as f

        if name == "refund":
            currencies = sorted(
                set(booking.payments.filter(status__in=["succeeded", "refunded"])
                    .values_list("currency", flat=True))
            )  # fmt: skip
            return f.PartialRefundForm(data, currencies=currencies)
        if name == "cancel_item":
            items = [
                (i.position, f"{i.position}. {i.description} ({i.price_amount} {i.price_currency})")
                for i in booking.items.filter(status="confirmed")
            ]
            return f.ItemCancelForm(data, items=items)
        if name == "traveler_name":
            travelers = [(t.pk, str(t)) for t in booking.travelers.all()]
            return f.TravelerNameForm(data, travelers=travelers)
        if name == "resend_confirmation":
            return f.ResendConfirmationForm(data)
        return f.NoteForm(data)

    def _support_run(
        self, name: str, request: HttpRequest, booking: Booking, data: dict[str, Any]
    ) -> str:
        """Call the action's service, then record it (an audit entry means it happened)."""
        from audit.services import audit_record
        from bookings.services import support

        now, staff = timezone.now(), request.user
        reason = data.get("reason", "")
        if name == "refund":
            money = Money(data["amount"], data["currency"])
            refund = support.booking_refund_partial(
                booking=booking, staff=staff, amount=money, reason=reason,
                request_key=data["request_key"], now=now,
            )  # fmt: skip
            given = Money.of(refund.amount, refund.currency)
            audit_record(actor=staff, action="booking.refund_partial", target=booking, now=now,
                         reason=reason, details={"amount": given.as_json(),
                                                 "refund": refund.provider_ref})  # fmt: skip
            return f"Refunded {given.amount} {given.currency} on {booking.reference}."
        if name == "cancel_item":
            item = support.booking_item_cancel(
                booking=booking, position=data["position"], staff=staff, reason=reason, now=now
            )
            given = Money.of(item.refunded_amount, item.price_currency)
            audit_record(actor=staff, action="booking.cancel_item", target=booking, now=now,
                         reason=reason, details={"item": item.position,
                                                 "amount": given.as_json()})  # fmt: skip
            return (f"Cancelled item {item.position} of {booking.reference}; refunded"
                    f" {given.amount} {given.currency}.")  # fmt: skip
        if name == "traveler_name":
            traveler = get_object_or_404(Traveler, pk=data["traveler"], booking=booking)
            edits = support.traveler_name_correct(
                traveler=traveler, first_name=data["first_name"], last_name=data["last_name"],
                staff=staff, reason=reason, now=now,
            )  # fmt: skip
            audit_record(actor=staff, action="booking.traveler_name_correct", target=booking,
                         now=now, reason=reason,
                         details={"traveler": traveler.position, "edits": edits})  # fmt: skip
            return f"Corrected traveler {traveler.position}'s name on {booking.reference}."
        if name == "resend_confirmation":
            support.booking_confirmation_resend(
                booking=booking, staff=staff, reason=reason, now=now
            )
            audit_record(actor=staff, action="booking.confirmation_resend", target=booking,
                         now=now, reason=reason)  # fmt: skip
            return f"Sent the confirmation of {booking.reference} again."
        note = support.booking_note_add(booking=booking, staff=staff, text=data["text"], now=now)
        audit_record(actor=staff, action="booking.note_add", target=booking, now=now,
                     details={"note": note.pk})  # fmt: skip
        return f"Added a note to {booking.reference}."

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
