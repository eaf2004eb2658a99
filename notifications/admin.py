"""Messages in the admin: what each traveler was sent (read-only, exactly as rendered), and
a resend with a reason, recorded in the audit trail. The user and booking pages list a
traveler's messages through `MessageInline` (accounts' and bookings' admins add it)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from notifications.models import Message, SuppressedAddress

NOT_RENDERED = "(not rendered yet)"


def _link(message: Message) -> str:
    # A list does not render each pending message: its own page shows it.
    url = reverse("admin:notifications_message_change", args=[message.pk])
    subject = message.subject if message.rendered_at else f"{message.kind} {NOT_RENDERED}"
    return format_html('<a href="{}">{}</a>', url, subject)


class MessageInline(admin.TabularInline):
    """A traveler's (or a booking's) messages, newest first, each linking to its page."""

    model = Message
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "kind", "to_email", "subject_link", "status",
                                "sent_at")  # fmt: skip
    ordering = ["-created_at", "-pk"]
    show_change_link = False

    @admin.display(description="subject")
    def subject_link(self, obj: Message) -> str:
        return _link(obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class BookingMessageInline(MessageInline):
    fk_name = "booking"


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to_email", "language", "status", "attempts",
                    "sent_at", "booking"]  # fmt: skip
    list_filter = ["status", "kind", "language", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["to_email", "=booking__reference", "=provider_message_id", "subject"]
    list_select_related = ["booking"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "kind", "to_email", "user", "booking", "language", "rendered", "subject_shown",
        "status", "attempts", "next_attempt_at", "last_error", "provider_message_id",
        "created_at", "sent_at", "resent_from", "resent_by", "resend_reason",
        "attachment_names", "text_shown", "html_preview",
    )  # fmt: skip
    actions = ["resend_messages"]

    def _content(self, obj: Message) -> tuple[str, str, str, list[dict[str, str]]]:
        """As stored once its send rendered it; before, rendered for this page (not saved)
        from its context, which is what the send will render unless a template changes."""
        from notifications.services import message_content

        # Kept on the instance: the page's four fields render it once.
        content = getattr(obj, "_content", None)
        if content is None:
            content = obj._content = message_content(obj)  # type: ignore[attr-defined]
        return content

    @admin.display(description="rendered")
    def rendered(self, obj: Message) -> str:
        if obj.rendered_at is None:
            return f"{NOT_RENDERED}: shown as its send will render it"
        return str(obj.rendered_at)

    @admin.display(description="subject")
    def subject_shown(self, obj: Message) -> str:
        return self._content(obj)[0]

    @admin.display(description="text body")
    def text_shown(self, obj: Message) -> str:
        return self._content(obj)[1]

    @admin.display(description="attachments")
    def attachment_names(self, obj: Message) -> str:
        return ", ".join(a["filename"] for a in self._content(obj)[3]) or "-"

    @admin.display(description="HTML as sent")
    def html_preview(self, obj: Message) -> str:
        # The HTML in a sandboxed frame: shown as the traveler saw it, scripts or not.
        return format_html(
            '<iframe sandbox="" srcdoc="{}" style="width:100%;height:480px;border:1px solid '
            '#ccc;background:#fff" title="message"></iframe>',
            self._content(obj)[2],
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.resend_message")

    @admin.action(description="Resend the selected messages…", permissions=["resend"])
    def resend_messages(
        self, request: HttpRequest, queryset: QuerySet[Message]
    ) -> TemplateResponse | None:
        from notifications.services import resend

        chosen = list(queryset.order_by("pk"))
        reason = request.POST.get("reason", "").strip()[:300]
        if request.POST.get("post") != "yes" or not reason:
            return TemplateResponse(
                request,
                "admin/notifications/message/resend_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "queryset": chosen,
                    "title": "Resend messages",
                    "reason_missing": request.POST.get("post") == "yes",
                },
            )
        queued = 0
        for message in chosen:
            try:
                resend(message, by_user=request.user, reason=reason)
            except ValueError as refused:  # a one-time link: the traveler asks for a new one
                self.message_user(request, f"{message}: {refused}.", messages.ERROR)
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} message(s) again.", messages.SUCCESS)
        return None


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(admin.ModelAdmin):
    """Addresses the provider reported as bouncing or complaining: nothing is sent to them."""

    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]
    fields = readonly_fields = ("email", "reason", "detail", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
