from django.contrib import admin

from bookings.models import Hold, HoldItem


class HoldItemInline(admin.TabularInline):
    model = HoldItem
    extra = 0
    can_delete = False
    fields = ["position", "kind", "description", "price_amount", "price_currency", "units"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    """Holds are read-only here: they change only through the hold services."""

    list_display = ["id", "user", "status", "created_at", "expires_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=id", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "user", "status", "created_at", "expires_at", "released_at"]
    inlines = [HoldItemInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
