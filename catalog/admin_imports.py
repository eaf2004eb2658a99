"""Spreadsheets in the admin: every catalog list exports CSV or XLSX (django-import-export's
export page, the model's view permission), and imports are jobs (catalog.imports).

Importing is the import jobs' "add" page: a kind, a file, a dry run ticked by default. The
job runs in a background task; its page shows the status, the counts and every row in
error, and a clean dry run offers "Import for real" on the same stored file. A kind is
offered to staff who may add and change its rows (the revenue manager role, admins).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog import models
from catalog.models import ImportJob

# What each kind of file holds (catalog.resources.RESOURCES has a resource for each). The
# library is imported by the export and import pages only (catalog/admin_exports.py).
KIND_MODELS: dict[str, type[Any]] = {
    "hotels": models.Hotel, "room_types": models.RoomType,
    "rental_offices": models.RentalOffice, "cars": models.RentalCar,
    "flights": models.FlightLeg, "room_nights": models.RoomNight, "car_days": models.CarDay,
    "fares": models.FlightFare,
}  # fmt: skip

KIND_LABELS = {
    "hotels": "Hotels", "room_types": "Room types", "rental_offices": "Rental offices",
    "cars": "Cars (classes per office)", "flights": "Flights (schedules)",
    "room_nights": "Room nights (rates and inventory)",
    "car_days": "Car days (rates and inventory)", "fares": "Fares (rates and inventory)",
}  # fmt: skip


class SpreadsheetExport(admin.ModelAdmin):
    """The catalog list's "Export" button and page (the model's view permission): every
    column of its kind's resource, as CSV or XLSX, for the rows the list's filters leave."""

    kind: str = ""
    change_list_template = "admin/catalog/export_change_list.html"

    def get_urls(self) -> list[Any]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        view = self.admin_site.admin_view(self.export_view)
        return [path("export/", view, name=name), *super().get_urls()]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_export_permission(request):
            raise PermissionDenied
        file_format = request.GET.get("format", "")
        query = request.GET.copy()
        query.pop("format", None)
        if file_format in ("csv", "xlsx"):
            from catalog.admin_exports import export_file

            request.GET = cast(Any, query)  # the list's filters and search, without ours
            return export_file(self, request, file_format)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": f"Export {self.opts.verbose_name_plural}",
            "query": query.urlencode(), "has_view_permission": True,
        }  # fmt: skip
        return TemplateResponse(request, "admin/catalog/export.html", context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_export"
        allowed = self.has_export_permission(request)
        extra_context = {**(extra_context or {}), "export_url": reverse(name) if allowed else None}
        return super().changelist_view(request, extra_context)


def kinds_for(user: Any) -> list[tuple[str, str]]:
    """The kinds `user` may import: those whose rows they may add and change."""
    allowed = []
    for kind, model in KIND_MODELS.items():
        opts = model._meta
        if user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        ):
            allowed.append((kind, KIND_LABELS[kind]))
    return allowed


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX, with the export's columns")
    dry_run = forms.BooleanField(
        required=False, initial=True, help_text="Check every row and change nothing"
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "dry_run", "status", "summary", "user", "created_at",
                    "finished_at"]  # fmt: skip
    list_filter = ["status", "dry_run", "kind"]
    search_fields = ["file_name"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "kind", "file_name", "dry_run", "status", "summary", "user", "created_at",
        "started_at", "finished_at", "error_rows",
    )  # fmt: skip
    change_form_template = "admin/catalog/importjob/change_form.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a job is a record; a new file is a new job

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        # Staff follow jobs here: one whose invocation was ended by its time limit is shown
        # as failed, with the reason, rather than running for ever.
        from catalog.imports import import_jobs_time_out

        import_jobs_time_out(now=timezone.now())
        return super().get_queryset(request)

    @admin.display(description="Rows")
    def summary(self, job: ImportJob) -> str:
        counts = job.counts or {}
        if not counts:
            return "—"
        return (
            f"{counts.get('rows', 0)} rows: {counts.get('new', 0)} new, "
            f"{counts.get('updated', 0)} updated, {counts.get('unchanged', 0)} unchanged, "
            f"{counts.get('invalid', 0)} in error"
        )

    @admin.display(description="Errors")
    def error_rows(self, job: ImportJob) -> SafeString | str:
        if not job.errors:
            return "—"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.get("row") or "", e.get("field") or "", e.get("message", "")) for e in job.errors),
        )  # fmt: skip
        return format_html(
            '<table class="import-errors"><thead><tr><th>Row</th><th>Column</th>'
            "<th>Message</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.apply_view)
        return [path("<int:pk>/apply/", view, name="catalog_importjob_apply"), *super().get_urls()]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        kinds = kinds_for(request.user)
        form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
        if request.method == "POST" and form.is_valid():
            from catalog.imports import ImportRefused, import_job_create

            try:
                job = import_job_create(
                    user=request.user, kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"],
                    now=timezone.now(),
                )  # fmt: skip
            except ImportRefused as exc:
                form.add_error("file", exc.detail)
            else:
                return self._started(request, job)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "form": form, "title": "Import a spreadsheet",
            "has_view_permission": self.has_view_permission(request),
        }  # fmt: skip
        return TemplateResponse(request, "admin/catalog/importjob/import.html", context)

    def apply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = get_object_or_404(ImportJob, pk=pk)
        if job.kind not in dict(kinds_for(request.user)):
            raise PermissionDenied
        from catalog.imports import ImportRefused, import_job_apply

        try:
            again = import_job_apply(job=job, user=request.user, now=timezone.now())
        except ImportRefused as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return redirect(reverse("admin:catalog_importjob_change", args=[job.pk]))
        return self._started(request, again)

    def _started(self, request: HttpRequest, job: ImportJob) -> HttpResponse:
        from catalog.import_tasks import import_job_start  # Zappa's module imports boto3

        import_job_start(job.pk)
        what = "Dry run" if job.dry_run else "Import"
        self.message_user(request, f"{what} of {job.file_name} started.", messages.INFO)
        return redirect(reverse("admin:catalog_importjob_change", args=[job.pk]))

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any,
                           **kwargs: Any) -> HttpResponse:  # fmt: skip
        job = context.get("original")
        context["can_apply"] = (
            job is not None and job.dry_run and job.status == ImportJob.Status.DONE
            and self.has_add_permission(request) and job.kind in dict(kinds_for(request.user))
        )  # fmt: skip
        context["in_progress"] = job is not None and job.status in (
            ImportJob.Status.QUEUED, ImportJob.Status.RUNNING,
        )  # fmt: skip
        return super().render_change_form(request, context, *args, **kwargs)
