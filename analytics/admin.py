"""Analytics in the admin: the raw events (read-only) and the dashboard with its CSV files.

The dashboard lives at /admin/analytics/dashboard/ (a proxy model gives it its place on
the admin index); each chart's numbers download from …/dashboard/csv/<chart>/ with the
same date range. Staff only, and only those allowed to view analytics events.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from analytics.models import Dashboard, Event

if TYPE_CHECKING:
    from analytics.selectors import Table

DEFAULT_DAYS = 30
MAX_DAYS = 366


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "occurred_at", "kind", "product", "origin", "destination", "start_date", "nights",
        "party_size", "results_count", "latency_ms", "amount", "currency", "detail",
    )  # fmt: skip
    list_filter = ("kind", "product", "currency")
    search_fields = ("destination", "origin", "session_id")
    date_hierarchy = "occurred_at"
    list_select_related = ()
    readonly_fields = [f.name for f in Event._meta.fields]
    ordering = ("-occurred_at",)
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow


class RangeForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.now().date()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        return data


def date_range(request: HttpRequest) -> tuple[date, date, RangeForm]:
    """The range asked for in the query string, or the last 30 days when it is invalid."""
    form = RangeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["start"], form.cleaned_data["end"], form
    end = timezone.now().date()
    return end - timedelta(days=DEFAULT_DAYS - 1), end, form


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def chart_spec(key: str, table: Table) -> dict[str, Any]:
    """What dashboard.js needs to draw one chart with Chart.js."""
    from analytics import selectors

    rows = table.rows
    options: dict[str, Any] = {}
    if key == "activity":
        kind, labels = "line", [r[0] for r in rows]
        datasets = [
            {"label": column.replace("_", " "), "data": [r[i] for r in rows]}
            for i, column in enumerate(table.columns[1:], start=1)
        ]
    elif key == "revenue":
        kind, labels = "bar", [f"{r[0]} {r[1]}" for r in rows]
        datasets = [
            {"label": "booked", "data": [_number(r[3]) for r in rows]},
            {"label": "refunded", "data": [_number(r[4]) for r in rows]},
        ]
    elif key == "latency":
        kind, labels = "bar", [r[0] for r in rows]
        datasets = [
            {"label": column, "data": [r[i] for r in rows]}
            for i, column in enumerate(table.columns[2:], start=2)
        ]
    elif key == "cancellations":
        kind, labels = "bar", [r[0] for r in rows]
        datasets = [{"label": "cancelled %", "data": [r[3] for r in rows]}]
    elif key == "failed_payments":
        kind, labels = "bar", [r[0] for r in rows]
        datasets = [
            {"label": column, "data": [r[i] for r in rows]}
            for i, column in enumerate(table.columns[1:], start=1)
        ]
        options["stacked"] = True
    else:  # label, count tables: destinations, funnel, histograms
        kind, labels = "bar", [r[0] for r in rows]
        datasets = [{"label": table.columns[1].replace("_", " "), "data": [r[1] for r in rows]}]
        if key.startswith("top_"):
            options["horizontal"] = True
    return {
        "id": key,
        "title": selectors.CHARTS[key][0],
        "type": kind,
        "labels": labels,
        "datasets": datasets,
        "options": options,
    }


def _csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text typed by travelers (e.g. a searched city)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


@admin.register(Dashboard)
class DashboardAdmin(_ReadOnly, admin.ModelAdmin):
    """Charts of the events; the changelist *is* the dashboard."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_perm("analytics.view_event"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_urls(self) -> list:
        return [
            path(
                "csv/<slug:chart>/",
                self.admin_site.admin_view(self.csv_view),
                name="analytics_dashboard_csv",
            ),
            *super().get_urls(),
        ]

    def _check(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        from analytics import selectors

        self._check(request)
        start, end, form = date_range(request)
        query = f"?start={start.isoformat()}&end={end.isoformat()}"
        csv_base = reverse("admin:analytics_dashboard_csv", args=["CHART"])
        charts = []
        for key in selectors.CHARTS:
            spec = chart_spec(key, selectors.chart_table(chart=key, start=start, end=end))
            spec["csv_url"] = csv_base.replace("CHART", key) + query
            charts.append(spec)
        context = {
            **self.admin_site.each_context(request),
            "title": "Analytics dashboard",
            "opts": self.model._meta,
            "form": form,
            "start": start,
            "end": end,
            "charts": charts,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/analytics/dashboard.html", context)

    def csv_view(self, request: HttpRequest, chart: str) -> HttpResponse:
        from analytics import selectors

        self._check(request)
        if chart not in selectors.CHARTS:
            raise Http404("No such chart")
        start, end, _ = date_range(request)
        table = selectors.chart_table(chart=chart, start=start, end=end)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="analytics-{chart}-{start.isoformat()}-{end.isoformat()}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([_csv_cell(v) for v in row])
        return response
