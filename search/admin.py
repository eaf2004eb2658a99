from django.contrib import admin

from search.models import SearchDocument, SyncCheckpoint, SyncState


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    """The local engine's index, for looking at what search sees. Rebuilt by sync."""

    list_display = ["kind", "object_id", "name", "code", "country_code", "stars", "indexed_at"]
    list_filter = ["kind", "country_code", "stars"]
    search_fields = ["name", "code", "text"]
    readonly_fields = [f.name for f in SearchDocument._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin):
    list_display = ["engine", "watermark", "last_run_at"]
    readonly_fields = ["engine", "last_run_at"]


@admin.register(SyncCheckpoint)
class SyncCheckpointAdmin(admin.ModelAdmin):
    """How far each kind's sync got; a pass in progress shows the row it resumes after."""

    list_display = ["engine", "kind", "watermark", "pass_started_at", "pass_full", "last_pk"]
    list_filter = ["engine", "kind"]
    readonly_fields = [f.name for f in SyncCheckpoint._meta.fields]

    def has_add_permission(self, request):
        return False
