"""The audit trail in the admin: searchable, and read-only for everyone (superusers too)."""

from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_repr", "reason"]
    list_filter = ["action", "target_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["=target_id", "target_repr", "actor__email", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    readonly_fields = [
        "at", "actor", "action", "target_type", "target_id", "target_repr", "reason", "details",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
