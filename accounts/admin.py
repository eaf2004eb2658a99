from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import LoginSession, SessionEndReason, User
from notifications.admin import MessageInline


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts' own page of users; privacy.admin registers it again with the personal data
    actions (export, erasure), which ask apps above accounts."""

    list_display = ("email", "username", "first_name", "last_name", "is_staff", "date_joined")
    search_fields = ("email", "username", "first_name", "last_name")
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        ("erased_at", admin.EmptyFieldListFilter),
        ("email_verified_at", admin.EmptyFieldListFilter),
    )
    ordering = ("-date_joined",)
    # A staff member's clock for the booking timeline; support answers "why can I not pay?":
    # bookings wait for a verified address, set only by the emailed links
    # (accounts.registration), never typed by staff.
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Admin", {"fields": ("time_zone",)}),
        ("Email verification", {"fields": ("email_verified_at",)}),
    )
    readonly_fields = ("email_verified_at",)
    # What the traveler was sent (support answers "I never got my confirmation").
    inlines = (MessageInline,)


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    """Who is logged in where; staff can end a session (a lost phone, a suspected theft).

    Read-only: sessions start at login and end through accounts.tokens. The credentials
    stamp is derived from the password hash and is not shown."""

    list_display = ("id", "user", "created_at", "rotated_at", "generation", "ended_at",
                    "end_reason")  # fmt: skip
    list_filter = ("end_reason",)
    search_fields = ("user__email", "user__username")
    list_select_related = ("user",)
    fields = ("user", "created_at", "rotated_at", "generation", "ended_at", "end_reason")
    readonly_fields = fields
    ordering = ("-rotated_at",)
    actions = ["end_sessions"]

    def has_add_permission(self, request: HttpRequest, obj: LoginSession | None = None) -> bool:
        return False

    @admin.action(description="End the selected sessions (their tokens stop at once)",
                  permissions=["change"])  # fmt: skip
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[LoginSession]) -> None:
        from django.utils import timezone

        from accounts.tokens import sessions_end

        ended = sessions_end(
            session_ids=list(queryset.values_list("pk", flat=True)),
            now=timezone.now(),
            reason=SessionEndReason.STAFF,
        )
        self.message_user(request, f"Ended {ended} session{'s' if ended != 1 else ''}.")
