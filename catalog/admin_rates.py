"""Rates and availability in the admin: the month grid and the bulk change.

Pages of the hotel, office and flight-leg admins (their own URLs, the admin's look). The
grid needs the view permission of the inventory model (room nights, car days, fares), a
bulk change its change permission; the pages only parse input and call
catalog.selectors / catalog.services.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from catalog.models import Airport, FlightLeg, Hotel, RentalOffice
from catalog.selectors import INVENTORY, Scope, inventory_lines, month_end, rates_grid

if TYPE_CHECKING:
    from django.template.response import _TemplateForResponseT

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class BulkChangeForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    lines = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: every line"
    )
    price_mode = forms.ChoiceField(
        required=False,
        choices=[
            ("", "keep"),
            ("set", "set to"),
            ("add", "add (amount)"),
            ("percent", "adjust by %"),
        ],  # fmt: skip
    )
    price_value = forms.DecimalField(required=False, max_digits=12, decimal_places=4)
    allotment = forms.IntegerField(required=False, min_value=0, max_value=32767)
    sale = forms.ChoiceField(
        required=False, choices=[("", "keep"), ("close", "close (stop-sell)"), ("open", "open")]
    )
    min_stay = forms.IntegerField(required=False, min_value=1, max_value=365)
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, lines: list[tuple[str, str]], min_stay: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["lines"]).choices = lines
        if not min_stay:
            del self.fields["min_stay"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and not start <= end <= start + timedelta(days=366):
            raise forms.ValidationError("The end is on or after the start, within a year.")
        if data.get("price_mode") and data.get("price_value") is None:
            self.add_error("price_value", "Give the amount or percentage.")
        if data.get("price_mode") == "percent" and (data.get("price_value") or 0) < -100:
            self.add_error("price_value", "A price cannot go down by more than 100%.")
        nothing = not (
            data.get("price_mode")
            or data.get("allotment") is not None
            or data.get("sale")
            or data.get("min_stay") is not None
        )
        if nothing:
            raise forms.ValidationError("Choose at least one change.")
        return data

    def change(self) -> Any:
        from catalog.services import BulkChange

        data = self.cleaned_data
        return BulkChange(
            start=data["start"],
            end=data["end"],
            weekdays=frozenset(data["weekdays"]),
            lines=frozenset(data["lines"]) if data["lines"] else None,
            price_mode=data.get("price_mode") or "",
            price_value=data.get("price_value") if data.get("price_mode") else None,
            allotment=data.get("allotment"),
            sale=data.get("sale") or "",
            min_stay=data.get("min_stay"),
        )


def _month(request: HttpRequest) -> date | None:
    raw = request.GET.get("month")
    if not raw:
        return timezone.now().date().replace(day=1)
    try:
        month = date.fromisoformat(f"{raw}-01")
    except ValueError:
        return None
    # Bounded so that the previous and next months' links exist.
    return month if 2000 <= month.year <= 2200 else None


class RatesAdminMixin:
    """Adds `…/rates/` (grid) and `…/rates/bulk/` to a catalog ModelAdmin."""

    rates_kind: str
    # Where the grid hangs: under the object's own change page, or by another key.
    rates_prefix = "<path:object_id>/"
    # The change page links to the grid.
    change_form_template: ClassVar[_TemplateForResponseT | None] = (
        "admin/catalog/rates_change_form.html"
    )

    def rates_scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        raise NotImplementedError

    def get_urls(self) -> list:
        # Before the admin's own: its `<path:object_id>/` would swallow `…/rates/`.
        return [*self.rates_urls(self.rates_prefix), *super().get_urls()]  # type: ignore[misc]

    def rates_urls(self, prefix: str) -> list:
        info = f"{self.model._meta.app_label}_{self.model._meta.model_name}"  # type: ignore[attr-defined]
        view = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path(f"{prefix}rates/", view(self.rates_grid_view), name=f"{info}_rates"),
            path(f"{prefix}rates/bulk/", view(self.rates_bulk_view), name=f"{info}_rates_bulk"),
        ]

    def rates_link(self, object_id: str) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_rates", args=[object_id])

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        extra = {**(extra_context or {})}
        with suppress(LookupError):  # no such object: the admin's own page says so
            extra["rates_url"] = self.rates_link(object_id)
        return super().change_view(request, object_id, form_url, extra)  # type: ignore[misc]

    def _rates_perm(self, request: HttpRequest, action: str) -> None:
        model = INVENTORY[self.rates_kind][0]
        opts = model._meta
        perms = [f"{opts.app_label}.{a}_{opts.model_name}" for a in (action, "change")]
        if not any(request.user.has_perm(p) for p in perms):
            raise PermissionDenied

    def _context(self, request: HttpRequest, scope: Scope, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "scope": scope,
            "kind": self.rates_kind,
            **extra,
        }

    def rates_grid_view(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self._rates_perm(request, "view")
        month = _month(request)
        if month is None:
            return HttpResponseBadRequest("month must be YYYY-MM")
        scope = self.rates_scope(request, **kwargs)
        grid = rates_grid(scope=scope, month=month)
        model = INVENTORY[self.rates_kind][0]
        can_change = request.user.has_perm(f"catalog.change_{model._meta.model_name}")
        context = self._context(
            request,
            scope,
            title=f"Rates and availability: {scope.title}",
            grid=grid,
            rows=[(line, _cells_html(cells)) for line, cells in grid.rows()],
            can_change=can_change,
            month_end=month_end(grid.month),
        )
        return TemplateResponse(request, "admin/catalog/rates_grid.html", context)

    def rates_bulk_view(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        from catalog import services

        self._rates_perm(request, "change")
        scope = self.rates_scope(request, **kwargs)
        month = _month(request) or timezone.now().date().replace(day=1)
        lines = [
            (line.key, line.label)
            for line in inventory_lines(scope=scope, start=month, end=month_end(month))
        ]
        last = month_end(month) - timedelta(days=1)
        initial = {"start": month, "end": last, "weekdays": list(range(1, 8))}
        form = BulkChangeForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            lines=lines,
            min_stay=self.rates_kind == "hotel",
        )
        preview = result = None
        error = ""
        if request.method == "POST" and form.is_valid():
            change = form.change()
            if "_apply" in request.POST:
                try:
                    result = services.rates_bulk_apply(
                        scope=scope,
                        change=change,
                        actor=request.user,
                        now=timezone.now(),
                        reason=form.cleaned_data["reason"],
                    )
                except services.RatesBusy as exc:
                    error = exc.detail
            else:
                preview = services.rates_bulk_preview(scope=scope, change=change)
        labels = dict(lines)
        context = self._context(
            request,
            scope,
            title=f"Change rates in bulk: {scope.title}",
            form=form,
            preview=None if preview is None else _shown(preview, labels),
            result=None
            if result is None
            else {"changed": result.changed, "refused": _shown(result.refused, labels)},
            error=error,
            grid_url=request.path.removesuffix("bulk/"),
        )
        return TemplateResponse(request, "admin/catalog/rates_bulk.html", context)


# How a change's fields are named to staff.
_FIELD_NAMES = {"price": "price", "total": "allotment", "available": "left",
                "stop_sell": "stop-sell", "min_stay": "minimum stay"}  # fmt: skip


def _shown(rows: list[Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "pk": row.cell.pk,
            "label": labels.get(row.cell.line, row.cell.line),
            "day": row.cell.day,
            "refused": row.refused,
            "changes": [(_FIELD_NAMES[n], row.before[n], row.after[n]) for n in row.before],
        }
        for row in rows
    ]


def _cells_html(cells: list[Any]) -> SafeString:
    """One line's cells. Built here, not in the template: a month of a busy route is
    hundreds of cells, and the template language spent most of the page's time on them."""
    parts = []
    for cell in cells:
        if cell is None:
            parts.append('<td class="rates-cell state-none" data-state="none"></td>')
            continue
        day = cell.day.isoformat()
        extra = ""
        if cell.min_stay and cell.min_stay > 1:
            extra += f'<span class="min-stay">min {cell.min_stay}</span>'
        if cell.stop_sell:
            extra += '<span class="stop">closed</span>'
        parts.append(
            f'<td class="rates-cell state-{cell.state}" data-date="{day}" '
            f'data-state="{cell.state}" title="{day}: {cell.state}">'
            f'<span class="price">{cell.price}</span><span class="units">'
            f'<span class="left">{cell.available}</span>/<span class="sold">{cell.sold}</span>'
            f"</span>{extra}</td>"
        )
    # Every value above is a number, a date or a fixed word: nothing to escape.
    return mark_safe("".join(parts))  # noqa: S308 # nosec B308 B703


class HotelRates(RatesAdminMixin):
    rates_kind = "hotel"

    def rates_scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        return Scope("hotel", hotel=get_object_or_404(Hotel, pk=kwargs["object_id"]))


class OfficeRates(RatesAdminMixin):
    rates_kind = "office"

    def rates_scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        return Scope("office", office=get_object_or_404(RentalOffice, pk=kwargs["object_id"]))


class RouteRates(RatesAdminMixin):
    rates_kind = "route"
    rates_prefix = "route/<slug:origin>/<slug:destination>/"

    def rates_scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        origin = get_object_or_404(Airport, iata=kwargs["origin"].upper())
        destination = get_object_or_404(Airport, iata=kwargs["destination"].upper())
        return Scope("route", origin=origin, destination=destination)

    def rates_link(self, object_id: str) -> str:
        leg = FlightLeg.objects.select_related("origin", "destination").filter(pk=object_id)
        found = leg.first() if object_id.isdigit() else None
        if found is None:
            raise LookupError(object_id)
        return reverse(
            "admin:catalog_flightleg_rates",
            kwargs={"origin": found.origin.iata, "destination": found.destination.iata},
        )
