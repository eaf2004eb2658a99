"""Revenue managers change rates and availability in bulk: previewed, then applied at once,
never below what is sold or held, audited, and seen by travelers' next search."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AuditEntry
from catalog.models import CarDay, RoomNight
from catalog.selectors import Cell, Scope
from catalog.services import BulkChange, cell_change, rates_bulk_apply, rates_bulk_preview
from tests.factories.accounts import UserFactory
from tests.factories.catalog import HotelFactory, RentalCarFactory, RoomTypeFactory, room_nights
from travelguru import results_cache as cache
from travelguru.money import minor_units

START = date(2031, 3, 3)  # a Monday
EVERY_DAY = frozenset(range(1, 8))


def cell(**kwargs) -> Cell:
    values = {
        "pk": 1, "line": "1", "day": START, "price": Decimal("100.00"), "currency": "EUR",
        "total": 10, "available": 10, "stop_sell": False, "min_stay": 1, **kwargs,
    }  # fmt: skip
    return Cell(**values)


def change(**kwargs) -> BulkChange:
    return BulkChange(
        **{"start": START, "end": START + timedelta(days=30), "weekdays": EVERY_DAY, **kwargs}
    )


# --- the rule for one cell ---

prices = st.decimals(min_value=0, max_value=100_000, places=2)
currencies = st.sampled_from(["EUR", "JPY", "KWD", "USD"])


@given(price=prices, percent=st.decimals(min_value=-100, max_value=300, places=2), cur=currencies)
def test_percent_adjust_rounds_to_the_currencys_minor_unit(price, percent, cur):
    adjust = change(price_mode="percent", price_value=percent)

    row = cell_change(cell(price=price, currency=cur), adjust)

    exact = price * (1 + percent / 100)
    new = row.after["price"] if row else price
    assert abs(new - exact) <= Decimal(1).scaleb(-minor_units(cur)) / 2
    assert -new.as_tuple().exponent <= minor_units(cur) or new == price
    assert new >= 0


@given(
    total=st.integers(0, 500),
    data=st.data(),
    allotment=st.integers(0, 600),
)
def test_allotment_never_drops_below_sold_or_held(total, data, allotment):
    available = data.draw(st.integers(0, total))
    before = cell(total=total, available=available)

    row = cell_change(before, change(allotment=allotment))

    sold = total - available
    if allotment < sold:
        assert row is not None
        assert row.refused
        assert row.after == {}
    elif allotment == total:
        assert row is None
    else:
        assert row is not None
        assert row.after == {"total": allotment, "available": allotment - sold}


def changed(*args: Any) -> Any:
    """cell_change's answer when a change is expected (a row, never None)."""
    row = cell_change(*args)
    assert row is not None
    return row


def test_a_refused_row_changes_nothing_else_either():
    row = changed(
        cell(total=10, available=2), change(allotment=5, price_mode="set", price_value=Decimal(90))
    )

    assert row.refused == "allotment 5 is below 8 sold or held"
    assert (row.before, row.after) == ({}, {})


def test_a_price_below_zero_is_refused():
    row = changed(cell(price=Decimal("10.00")), change(price_mode="add", price_value=-11))

    assert row.refused.startswith("price -1.00")


def test_close_and_open_sale():
    assert changed(cell(), change(sale="close")).after == {"stop_sell": True}
    assert changed(cell(stop_sell=True), change(sale="open")).after == {"stop_sell": False}
    assert cell_change(cell(stop_sell=True), change(sale="close")) is None


def test_minimum_stay_is_set_on_nights_only():
    assert changed(cell(), change(min_stay=3)).after == {"min_stay": 3}
    assert cell_change(cell(min_stay=None), change(min_stay=3)) is None


# --- the service, against the database ---


@pytest.fixture
def double(db):
    hotel = HotelFactory.create(currency="EUR")
    room_type = RoomTypeFactory.create(hotel=hotel, name="Double")
    room_nights(room_type, START, 14, price=Decimal("100.00"), rooms_total=10, rooms_available=10)
    return room_type


@given(weekdays=st.frozensets(st.integers(1, 7), min_size=1))
@pytest.mark.django_db
def test_only_the_weekday_pattern_changes(double, weekdays):
    scope = Scope("hotel", hotel=double.hotel)

    rows = rates_bulk_preview(
        scope=scope,
        change=BulkChange(
            start=START,
            end=START + timedelta(days=13),
            weekdays=weekdays,
            price_mode="set",
            price_value=Decimal("150"),
        ),  # fmt: skip
    )

    days = [row.cell.day for row in rows]
    assert days == sorted(d for d in (START + timedelta(days=i) for i in range(14))
                          if d.isoweekday() in weekdays)  # fmt: skip
    assert RoomNight.objects.filter(price=Decimal("150")).count() == 0  # a preview writes nothing


@pytest.mark.django_db
def test_apply_changes_rows_reports_refused_audits_and_bumps_the_hotel_search(
    double, django_capture_on_commit_callbacks
):
    # given: a night with 8 of 10 rooms sold or held
    RoomNight.objects.filter(room_type=double, date=START + timedelta(days=2)).update(
        rooms_available=2
    )
    staff = UserFactory.create(is_staff=True)
    car_before = cache.results_version("car")
    hotel_before = cache.results_version("hotel")
    weekend = BulkChange(
        start=START, end=START + timedelta(days=6), weekdays=frozenset({1, 3, 5}),
        price_mode="percent", price_value=Decimal("12.5"), allotment=6,
    )  # fmt: skip

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = rates_bulk_apply(
            scope=Scope("hotel", hotel=double.hotel), change=weekend, actor=staff,
            now=timezone.now(), reason="spring fair",
        )  # fmt: skip

    # then: Monday and Friday changed, Wednesday (8 sold) refused and untouched
    nights = {n.date: n for n in RoomNight.objects.filter(room_type=double)}
    monday, wednesday, friday = START, START + timedelta(days=2), START + timedelta(days=4)
    assert [r.cell.day for r in result.changed] == [monday, friday]
    assert [r.cell.day for r in result.refused] == [wednesday]
    for day in (monday, friday):
        assert (nights[day].price, nights[day].rooms_total, nights[day].rooms_available) == (
            Decimal("112.50"), 6, 6,
        )  # fmt: skip
    assert (nights[wednesday].price, nights[wednesday].rooms_total) == (Decimal("100.00"), 10)
    assert nights[START + timedelta(days=1)].price == Decimal("100.00")  # a Tuesday
    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.target_id, entry.reason) == (
        staff, "rates.bulk_change", str(double.hotel.pk), "spring fair",
    )  # fmt: skip
    assert entry.details["changed"] == 2
    assert entry.details["refused"] == [
        {"id": nights[wednesday].pk, "why": "allotment 6 is below 8 sold or held"}
    ]
    assert cache.results_version("hotel") != hotel_before
    assert cache.results_version("car") == car_before


@pytest.mark.mariadb
@pytest.mark.django_db
def test_apply_locks_the_rows_before_writing_them(double):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = UserFactory.create(is_staff=True)

    with CaptureQueriesContext(connection) as queries:
        rates_bulk_apply(
            scope=Scope("hotel", hotel=double.hotel), change=change(sale="close"), actor=staff,
            now=timezone.now(),
        )  # fmt: skip

    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, s in enumerate(sql) if s.endswith("FOR UPDATE"))
    update = next(i for i, s in enumerate(sql) if s.startswith("UPDATE `catalog_roomnight`"))
    assert lock < update
    assert RoomNight.objects.filter(stop_sell=True).count() == 14


@pytest.mark.django_db
def test_office_bulk_change_bumps_the_car_search_only(django_capture_on_commit_callbacks):
    car = RentalCarFactory.create(office__currency="JPY")
    CarDay.objects.bulk_create(
        CarDay(car=car, date=START + timedelta(days=i), price=Decimal("5000"), cars_total=3,
               cars_available=3)
        for i in range(3)
    )  # fmt: skip
    hotel_before = cache.results_version("hotel")
    car_before = cache.results_version("car")

    with django_capture_on_commit_callbacks(execute=True):
        rates_bulk_apply(
            scope=Scope("office", office=car.office),
            change=change(price_mode="percent", price_value=Decimal("3.33")),
            actor=UserFactory.create(is_staff=True), now=timezone.now(),
        )  # fmt: skip

    assert set(CarDay.objects.values_list("price", flat=True)) == {Decimal("5167")}
    assert cache.results_version("car") != car_before
    assert cache.results_version("hotel") == hotel_before


# --- the admin pages ---


@pytest.mark.django_db
def test_preview_lists_before_and_after_and_applies_nothing(admin_client, double):
    url = reverse("admin:catalog_hotel_rates_bulk", args=[double.hotel.pk])
    form = {
        "start": "2031-03-03", "end": "2031-03-09", "weekdays": ["6", "7"],
        "price_mode": "set", "price_value": "180", "min_stay": "2", "_preview": "1",
    }  # fmt: skip

    page = admin_client.post(url, form)

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("price: 100.00 &rarr; 180") == 2
    assert html.count("minimum stay: 1 &rarr; 2") == 2
    assert "Apply 2 changes" in html
    assert not RoomNight.objects.filter(price=Decimal("180")).exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_apply_from_the_admin_changes_the_rows(admin_client, double):
    url = reverse("admin:catalog_hotel_rates_bulk", args=[double.hotel.pk])
    form = {
        "start": "2031-03-03", "end": "2031-03-09", "weekdays": ["6", "7"],
        "sale": "close", "_apply": "1",
    }  # fmt: skip

    page = admin_client.post(url, form)

    assert "Changed 2 rows; 0 refused." in page.content.decode()
    closed = RoomNight.objects.filter(stop_sell=True).values_list("date", flat=True)
    assert sorted(closed) == [date(2031, 3, 8), date(2031, 3, 9)]
    assert AuditEntry.objects.get().action == "rates.bulk_change"


@pytest.mark.django_db
def test_bad_bulk_input_is_a_form_error_not_a_change(admin_client, double):
    url = reverse("admin:catalog_hotel_rates_bulk", args=[double.hotel.pk])

    page = admin_client.post(
        url, {"start": "2031-03-09", "end": "2031-03-03", "weekdays": ["1"], "_apply": "1"}
    )

    assert page.status_code == 200
    assert "The end is on or after the start" in page.content.decode()
    leap = {"start": "2032-02-29", "end": "2033-03-02", "weekdays": ["1"], "sale": "close"}
    page = admin_client.post(url, {**leap, "_apply": "1"})
    assert "within a year" in page.content.decode()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_route_bulk_change_closes_fares_on_local_days_and_audits_the_route(
    django_capture_on_commit_callbacks,
):
    from datetime import UTC, datetime

    from catalog.models import FlightFare
    from tests.factories.catalog import AirportFactory, flight_fare

    origin = AirportFactory.create(iata="JFK", timezone="America/New_York")
    destination = AirportFactory.create(iata="LHR", timezone="Europe/London")
    # 02:00 UTC on Tuesday 4 March is Monday 3 March in New York
    monday = flight_fare(origin, destination, datetime(2031, 3, 4, 2, tzinfo=UTC))
    tuesday = flight_fare(origin, destination, datetime(2031, 3, 4, 20, tzinfo=UTC))
    flight_before = cache.results_version("flight")

    with django_capture_on_commit_callbacks(execute=True):
        result = rates_bulk_apply(
            scope=Scope("route", origin=origin, destination=destination),
            change=change(sale="close", weekdays=frozenset({1})),
            actor=UserFactory.create(is_staff=True), now=timezone.now(),
        )  # fmt: skip

    assert [r.cell.pk for r in result.changed] == [monday.pk]
    assert list(FlightFare.objects.filter(stop_sell=True).values_list("pk", flat=True)) == [
        monday.pk
    ]
    assert not FlightFare.objects.get(pk=tuesday.pk).stop_sell
    entry = AuditEntry.objects.get()
    assert (entry.target_type, entry.target_id, entry.target_repr) == (
        "catalog.route", "JFK-LHR", "JFK → LHR",
    )  # fmt: skip
    assert cache.results_version("flight") != flight_before
