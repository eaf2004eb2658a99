"""The analytics dashboard in the admin: staff only, charts' numbers, CSV, date range."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.contrib.auth.models import Permission

from analytics.models import Event, EventKind
from tests.factories.accounts import UserFactory, log_in_verified
from tests.factories.analytics import EventFactory

pytestmark = pytest.mark.django_db
URL = "/admin/analytics/dashboard/"
RANGE = {"start": "2026-11-01", "end": "2026-11-03"}


def charts_of(response) -> dict:
    html = response.content.decode()
    data = re.search(r'<script id="analytics-charts" type="application/json">(.*?)</script>', html)
    assert data, "the chart data is missing"
    return {chart["id"]: chart for chart in json.loads(data.group(1))}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_admin_index_links_to_the_dashboard(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert f'href="{URL}"' in response.content.decode()


def test_the_dashboard_draws_every_chart_from_the_range(admin_client, small_history):
    response = admin_client.get(URL, RANGE)

    assert response.status_code == 200
    charts = charts_of(response)
    assert list(charts) == [
        "activity", "top_searched", "top_booked", "funnel", "lead_time", "length_of_stay",
        "revenue", "cancellations", "failed_payments", "latency",
    ]  # fmt: skip
    assert charts["funnel"]["labels"] == ["search", "hold", "booking"]
    assert charts["funnel"]["datasets"][0]["data"] == [6, 2, 3]
    assert charts["revenue"]["labels"] == ["EUR car", "EUR hotel", "USD flight"]
    assert charts["revenue"]["datasets"][0]["data"] == [80.0, 700.0, 450.0]
    assert charts["activity"]["labels"] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert charts["funnel"]["csv_url"] == (
        "/admin/analytics/dashboard/csv/funnel/?start=2026-11-01&end=2026-11-03"
    )
    html = response.content.decode()
    # The charting library is served by us, and the page runs no inline script.
    assert "/static/analytics/vendor/chart.umd.min.js" in html
    assert not re.search(r"<script(?![^>]*(src=|application/json))[^>]*>", html)


def test_each_chart_downloads_as_csv(admin_client, small_history):
    response = admin_client.get(URL + "csv/revenue/", RANGE)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="analytics-revenue-2026-11-01-2026-11-03.csv"' in response["Content-Disposition"]
    )
    assert csv_rows(response) == [
        ["currency", "product", "booked_items", "booked", "refunded"],
        ["EUR", "car", "1", "80.00", "80.00"],
        ["EUR", "hotel", "2", "700.00", "100.00"],
        ["USD", "flight", "1", "450.00", "0.00"],
    ]


def test_the_date_range_filters_the_numbers(admin_client, small_history):
    response = admin_client.get(URL + "csv/funnel/", {"start": "2026-11-03", "end": "2026-11-03"})

    assert csv_rows(response)[1:] == [["search", "1", "100.0"], ["hold", "0", "0.0"],
                                      ["booking", "1", "100.0"]]  # fmt: skip


def test_formulas_typed_by_travelers_are_defused_in_csv(admin_client):
    EventFactory.create(kind=EventKind.SEARCH, destination="=HYPERLINK(1)")

    response = admin_client.get(URL + "csv/top_searched/", RANGE)

    assert csv_rows(response)[1] == ["'=HYPERLINK(1)", "1"]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-11-05", "end": "2026-11-01"},
        {"start": "not-a-date"},
        {"start": "2020-01-01", "end": "2026-01-01"},
    ],
)
def test_a_bad_range_is_explained_and_the_last_30_days_shown(admin_client, query):
    response = admin_client.get(URL, query)

    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert len(charts_of(response)["activity"]["labels"]) == 30


def test_an_unknown_chart_is_404(admin_client):
    assert admin_client.get(URL + "csv/nope/").status_code == 404


def test_travelers_and_anonymous_visitors_cannot_see_the_dashboard(client):
    assert client.get(URL).status_code == 302
    assert client.get(URL + "csv/funnel/").status_code == 302
    client.force_login(UserFactory.create())
    assert client.get(URL).status_code == 302
    assert client.get(URL + "csv/funnel/").status_code == 302


def test_staff_without_the_analytics_permission_are_refused(client):
    staff = UserFactory.create(is_staff=True)
    log_in_verified(client, staff)

    assert client.get(URL).status_code == 403
    assert client.get(URL + "csv/funnel/").status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_event"))
    assert client.get(URL).status_code == 200


def test_event_admin_lists_and_shows_events_read_only(admin_client, small_history):
    event = Event.objects.filter(kind=EventKind.BOOKING).first()

    assert admin_client.get("/admin/analytics/event/").status_code == 200
    assert admin_client.get("/admin/analytics/event/?kind=booking&product=hotel").status_code == 200
    assert admin_client.get(f"/admin/analytics/event/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/analytics/event/add/").status_code == 403
    assert admin_client.post(f"/admin/analytics/event/{event.pk}/delete/").status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()
