"""The user admin's personal data actions: export one traveler, erase the selected ones.

They ask every app that holds personal data, so they live here, above those apps: this
module registers accounts' user admin again with them (privacy comes after accounts in
INSTALLED_APPS, so accounts' registration is there to replace).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpResponse
    from django.template.response import TemplateResponse


class UserAdmin(AccountsUserAdmin):
    actions = ["export_personal_data", "erase_personal_data"]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.export_user")

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.erase_user")

    @admin.action(description="Export everything held about the selected traveler (JSON)",
                  permissions=["export"])  # fmt: skip
    def export_personal_data(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        """One traveler at a time: a download per request keeps each one audited alone."""
        import json

        from django.contrib import messages
        from django.http import HttpResponse
        from django.utils import timezone

        from privacy.services import user_export

        users = list(queryset[:2])
        if len(users) != 1:
            self.message_user(request, "Select one traveler to export.", messages.WARNING)
            return None
        if users[0].is_staff and not request.user.has_perm("accounts.change_user"):
            # Travelers' requests are the support desk's; a colleague's go to an admin.
            self.message_user(request, "Staff accounts are exported by an admin.", messages.ERROR)
            return None
        document = user_export(user=users[0], actor=request.user, now=timezone.now())
        response = HttpResponse(
            json.dumps(document, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="personal-data-{users[0].pk}.json"'
        return response

    @admin.action(description="Erase the selected travelers' personal data…",
                  permissions=["erase"])  # fmt: skip
    def erase_personal_data(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        from django.contrib import messages
        from django.template.response import TemplateResponse
        from django.utils import timezone

        from privacy.services import user_erase
        from travelguru.errors import DomainError

        users = list(queryset.filter(erased_at__isnull=True))
        reason = request.POST.get("reason", "").strip()[:300]
        if request.POST.get("post") != "yes" or not reason:
            return TemplateResponse(
                request,
                "admin/accounts/user/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "users": users,
                    "selected": [user.pk for user in users],
                    "action": "erase_personal_data",
                    "title": "Erase personal data",
                    "error": "Give a reason." if request.POST.get("post") == "yes" else "",
                },
            )
        erased, refused = 0, []
        for user in users:
            label = user.email
            try:
                user_erase(user=user, actor=request.user, now=timezone.now(), reason=reason)
            except DomainError as exc:
                refused.append(f"{label}: {exc.detail}")
                continue
            erased += 1
        self.message_user(request, f"Erased {erased} traveler(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not erased: " + "; ".join(refused), messages.ERROR)
        return None


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
