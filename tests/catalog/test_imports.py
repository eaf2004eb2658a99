"""Revenue managers import rates, inventory and the catalog from spreadsheets: checked row by
row before anything changes, idempotent, never below what is sold or held, audited, and
seen by travelers' next search."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import tablib  # type: ignore[import-untyped]  # no type information shipped
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from catalog.imports import import_job_apply, import_job_create, import_job_run
from catalog.models import CarDay, FlightFare, ImportJob, RoomNight
from catalog.resources import RESOURCES
from tests.catalog.imports import START, csv_file, double_on_sale, media_in_tmp  # noqa: F401
from tests.factories.accounts import UserFactory
from tests.factories.catalog import (
    CityFactory,
    FlightFareFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)
from travelguru import results_cache as cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]


@pytest.fixture
def double():
    return double_on_sale(nights=3)


@pytest.fixture
def staff():
    return UserFactory.create(is_staff=True)


def run(staff: Any, upload: SimpleUploadedFile, *, kind: str = "room_nights",
        dry_run: bool = False) -> ImportJob:  # fmt: skip
    now = timezone.now()
    job = import_job_create(user=staff, kind=kind, upload=upload, dry_run=dry_run, now=now)
    return import_job_run(job_id=job.pk, now=now)


def nights(room_type) -> list[tuple[date, Decimal, int, int, bool, int]]:
    return list(
        RoomNight.objects.filter(room_type=room_type)
        .order_by("date")
        .values_list("date", "price", "rooms_total", "rooms_available", "stop_sell", "min_stay")
    )


def test_dry_run_lists_each_rows_errors_and_changes_nothing(double, staff):
    # given
    before = nights(double)
    upload = csv_file(
        "LUT,DBL,2031-03-03,110.00,10,false,1",  # fine
        "LUT,DBL,2031-03-04,cheap,10,false,1",  # row 3: not a number
        "LUT,XXX,2031-03-05,110.00,10,false,1",  # row 4: no such room type
        "LUT,DBL,2031-03-05,110.00,10,maybe,1",  # row 5: not a yes or no
    )

    # when
    job = run(staff, upload, dry_run=True)

    # then
    assert job.status == ImportJob.Status.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (3, "price"), (4, "room_type"), (5, "stop_sell"),
    ]  # fmt: skip
    assert "no room type with hotel LUT, room_type XXX" in job.errors[1]["message"]
    assert job.counts["invalid"] == 3
    assert nights(double) == before
    assert not AuditEntry.objects.exists()


def test_one_invalid_row_leaves_every_row_as_it_was(double, staff):
    before = nights(double)

    job = run(staff, csv_file("LUT,DBL,2031-03-03,150.00,10,false,1",
                              "LUT,DBL,2031-03-04,-1,10,false,1"))  # fmt: skip

    assert job.status == ImportJob.Status.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "price")]
    assert nights(double) == before


def test_import_applies_audits_and_bumps_the_hotel_search_then_a_second_time_changes_nothing(
    double, staff, django_capture_on_commit_callbacks
):
    # given: a file changing one night, closing another, and opening a new one
    lines = ("LUT,DBL,2031-03-03,112.504,8,false,2", "LUT,DBL,2031-03-04,100.00,10,true,1",
             "LUT,DBL,2031-03-05,100.00,10,false,1", "LUT,DBL,2031-03-06,90,4,false,1")  # fmt: skip
    car_before = cache.results_version("car")
    hotel_before = cache.results_version("hotel")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = run(staff, csv_file(*lines))

    # then
    assert first.status == ImportJob.Status.DONE, first.errors
    assert first.counts == {"rows": 4, "new": 1, "updated": 2, "unchanged": 1, "invalid": 0}
    assert nights(double) == [
        (START, Decimal("112.50"), 8, 8, False, 2),
        (START + timedelta(days=1), Decimal("100.00"), 10, 10, True, 1),
        (START + timedelta(days=2), Decimal("100.00"), 10, 10, False, 1),
        (START + timedelta(days=3), Decimal("90.00"), 4, 4, False, 1),
    ]
    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.target_id) == (staff, "catalog.import", str(first.pk))
    assert entry.details == {"kind": "room_nights", "file": "rates.csv", **first.counts}
    assert cache.results_version("hotel") != hotel_before
    assert cache.results_version("car") == car_before

    # when: the same file again
    after_first = nights(double)
    hotel_after_first = cache.results_version("hotel")
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as q:
        second = run(staff, csv_file(*lines))

    # then: nothing written, nothing made stale
    assert second.counts == {"rows": 4, "new": 0, "updated": 0, "unchanged": 4, "invalid": 0}
    assert nights(double) == after_first
    assert not [s for s in q.captured_queries if "catalog_roomnight" in s["sql"]
                and s["sql"].startswith(("UPDATE", "INSERT"))]  # fmt: skip
    assert cache.results_version("hotel") == hotel_after_first


def test_allotment_below_what_is_sold_or_held_is_an_error_and_nothing_changes(double, staff):
    # given: 8 of 10 rooms of the first night sold or held
    RoomNight.objects.filter(room_type=double, date=START).update(rooms_available=2)
    before = nights(double)

    # when
    job = run(staff, csv_file("LUT,DBL,2031-03-03,100.00,5,false,1",
                              "LUT,DBL,2031-03-04,120.00,10,false,1"))  # fmt: skip

    # then
    assert job.status == ImportJob.Status.REFUSED
    assert job.errors == [
        {"row": 2, "field": "allotment", "message": "allotment 5 is below 8 sold or held"}
    ]
    assert nights(double) == before


def test_allotment_change_keeps_what_is_sold_and_held(double, staff):
    RoomNight.objects.filter(room_type=double, date=START).update(rooms_available=2)

    job = run(staff, csv_file("LUT,DBL,2031-03-03,100.00,12,false,1"))

    assert job.status == ImportJob.Status.DONE
    assert nights(double)[0][2:4] == (12, 4)  # 8 still sold or held


def test_a_held_room_is_protected_from_an_import(staff):
    from bookings.services import holds
    from search.apis.common import today_anywhere
    from search.offers import offer_decode
    from tests.factories.offers import hotel_offer

    # given: a traveler holds 2 of the 3 rooms of a night
    day = today_anywhere() + timedelta(days=20)
    room_type = RoomTypeFactory.create(code="STD", hotel__code="H1", hotel__currency="EUR")
    room_nights(room_type, day, 1, price=Decimal("100.00"), rooms_total=3)
    offer = offer_decode(hotel_offer(room_type, day, 1, rooms=2, guests=2))
    holds.hold_create(user=UserFactory.create(), offers=[offer], now=timezone.now())

    # when: a file gives the night 1 room
    job = run(staff, csv_file(f"H1,STD,{day.isoformat()},100.00,1,false,1"))

    # then
    assert [(e["field"], e["message"]) for e in job.errors] == [
        ("allotment", "allotment 1 is below 2 sold or held")
    ]
    assert RoomNight.objects.get(room_type=room_type).rooms_available == 1


@pytest.mark.mariadb
def test_import_locks_the_rows_before_writing_them(double, staff):
    with CaptureQueriesContext(connection) as queries:
        job = run(staff, csv_file("LUT,DBL,2031-03-03,130.00,10,false,1"))

    assert job.status == ImportJob.Status.DONE
    sql = [q["sql"] for q in queries.captured_queries if "catalog_roomnight" in q["sql"]]
    locked = next(i for i, s in enumerate(sql) if s.rstrip().endswith("FOR UPDATE"))
    written = next(i for i, s in enumerate(sql) if s.startswith("UPDATE"))
    assert locked < written
    assert "ORDER BY" in sql[locked]
    assert "`id` ASC" in sql[locked]


def test_a_clean_dry_run_is_applied_from_the_same_stored_file(double, staff):
    dry = run(staff, csv_file("LUT,DBL,2031-03-03,99.00,10,false,1"), dry_run=True)
    assert dry.status == ImportJob.Status.DONE
    assert nights(double)[0][1] == Decimal("100.00")

    real = import_job_apply(job=dry, user=staff, now=timezone.now())
    real = import_job_run(job_id=real.pk, now=timezone.now())

    assert (real.dry_run, real.status, real.file.name) == (False, "done", dry.file.name)
    assert nights(double)[0][1] == Decimal("99.00")


def test_a_job_runs_once_when_its_task_is_delivered_twice(double, staff):
    job = run(staff, csv_file("LUT,DBL,2031-03-03,99.00,10,false,1"))

    again = import_job_run(job_id=job.pk, now=timezone.now())

    assert again.status == ImportJob.Status.DONE
    assert AuditEntry.objects.count() == 1


def test_a_file_that_is_no_spreadsheet_fails_with_a_message(staff):
    job = run(staff, SimpleUploadedFile("rates.xlsx", b"not a zip"))

    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["row"] is None
    assert job.errors[0]["message"]


# --- export then import: no change, CSV and XLSX, every kind ---


@pytest.fixture
def catalog_rows(double):
    car = RentalCarFactory.create(office__currency="EUR")
    car_days(car, START, 3, price=Decimal("45.00"), cars_total=5)
    CarDay.objects.filter(car=car, date=START).update(cars_available=2, stop_sell=True)
    FlightFareFactory.create()
    RoomNight.objects.filter(room_type=double, date=START).update(rooms_available=4, min_stay=3)


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        kind: json.loads(
            json.dumps(list(resource._meta.model.objects.order_by("pk").values()), default=str)
        )  # fmt: skip
        for kind, resource in RESOURCES.items()
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_kind_exported_then_imported_changes_nothing(catalog_rows, staff, file_format):
    before = _snapshot()
    for kind, resource in RESOURCES.items():
        exported = resource().export()
        content = exported.csv.encode() if file_format == "csv" else exported.xlsx
        upload = SimpleUploadedFile(f"{kind}.{file_format}", content)

        job = run(staff, upload, kind=kind)

        assert job.status == ImportJob.Status.DONE, (kind, job.errors)
        assert (job.counts["new"], job.counts["updated"]) == (0, 0), kind
        assert job.counts["unchanged"] == job.counts["rows"] > 0, kind
    assert _snapshot() == before


def test_fares_import_by_flight_and_cabin(staff):
    fare = FlightFareFactory.create(seats_total=9, seats_available=9)
    leg = fare.leg
    departure = leg.departure_at.strftime("%Y-%m-%dT%H:%MZ")
    upload = SimpleUploadedFile(
        "fares.csv",
        ("flight_number,departure_at,cabin,price,currency,allotment,stop_sell\n"
         f"{leg.flight_number},{departure},{fare.cabin},333.00,{fare.currency},7,false\n"
         f"{leg.flight_number},{departure},galley,1.00,{fare.currency},7,false\n").encode(),
    )  # fmt: skip

    job = run(staff, upload, kind="fares")

    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "cabin")]
    fare.refresh_from_db()
    assert fare.price != Decimal("333.00")
    assert FlightFare.objects.count() == 1


# --- the background task ---


def test_on_lambda_the_task_sends_the_job_id_only(double, staff, monkeypatch,
                                                 aws_test_credentials):  # fmt: skip
    import boto3
    from botocore.stub import Stubber
    from zappa import asynchronous

    from catalog import import_tasks

    # given: a large file, and the function running on Lambda
    upload = csv_file(*["LUT,DBL,2031-03-03,99,10,false,1"] * 5000)
    job = import_job_create(
        user=staff, kind="room_nights", now=timezone.now(), dry_run=True, upload=upload
    )
    assert job.file.size > 150_000
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "travelguru-prod")
    client = boto3.client("lambda", region_name="eu-west-1")
    monkeypatch.setattr(asynchronous, "LAMBDA_CLIENT", client, raising=False)
    payload = json.dumps({
        "task_path": "catalog.import_tasks.import_job_task", "capture_response": False,
        "response_id": None, "args": [job.pk], "kwargs": {},
        "command": "zappa.asynchronous.route_lambda_task",
    })  # fmt: skip

    # when / then: one asynchronous invocation of itself, with the job's id and no file
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 202}, {
            "FunctionName": "travelguru-prod", "InvocationType": "Event", "Payload": payload,
        })  # fmt: skip
        import_tasks.import_job_task(job.pk)
        stub.assert_no_pending_responses()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED  # the other invocation runs it


def test_a_night_first_imported_is_its_hotels_citys(double, staff):
    job = run(staff, csv_file("LUT,DBL,2031-03-09,90,4,false,1"))

    assert job.status == ImportJob.Status.DONE, job.errors
    night = RoomNight.objects.get(room_type=double, date=date(2031, 3, 9))
    assert night.city_id == double.hotel.city_id


def test_a_hotel_imported_into_another_city_takes_its_nights_along(double, staff):
    # given hotel LUT's sheet, its city changed to another one
    elsewhere = CityFactory.create()
    exported = RESOURCES["hotels"]().export()
    column = exported.headers.index("city_geonameid")
    rows = [list(row) for row in exported]
    for row in rows:
        row[column] = elsewhere.geonameid
    edited = tablib.Dataset(*rows, headers=exported.headers)
    upload = SimpleUploadedFile("hotels.csv", edited.csv.encode())

    # when imported
    job = run(staff, upload, kind="hotels")

    # then its nights are that city's (the price calendar finds them there)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.counts["updated"] == 1
    assert set(RoomNight.objects.filter(room_type=double).values_list("city", flat=True)) == {
        elsewhere.pk
    }
