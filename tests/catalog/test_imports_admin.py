"""The import page in the admin, by role: a revenue manager uploads a file, sees the dry
run's errors, imports a clean file for real; a support agent may export but not import.
The browser test saves test-results/import-dry-run.png."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts import roles
from catalog.models import ImportJob, RoomNight
from tests.admin_browser import staff_logged_in
from tests.catalog.imports import HEADER, START, csv_file, double_on_sale, media_in_tmp  # noqa: F401
from tests.factories.accounts import UserFactory, log_in_verified, staff_in

RESULTS = Path(__file__).resolve().parents[2] / "test-results"


pytestmark = pytest.mark.usefixtures("media_in_tmp")


@pytest.fixture
def double():
    return double_on_sale(nights=2)


def member(role: str) -> Client:
    roles.roles_sync()
    return log_in_verified(Client(), staff_in(role))


def upload(*lines: str) -> SimpleUploadedFile:
    return csv_file(*lines)


@pytest.mark.django_db
def test_revenue_manager_dry_runs_then_imports_a_file_in_the_admin(
    double, django_capture_on_commit_callbacks
):
    client = member(roles.REVENUE_MANAGER)
    add = reverse("admin:catalog_importjob_add")

    # when: a dry run of a clean file (its task runs once the job is committed)
    with django_capture_on_commit_callbacks(execute=True):
        clean = upload("LUT,DBL,2031-03-03,130.00,10,false,1")
        response = client.post(add, {"kind": "room_nights", "dry_run": "on", "file": clean})

    # then: the job ran (in-process, off Lambda) and changed nothing; its page offers the import
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_importjob_change", args=[job.pk])
    assert (job.dry_run, job.status, job.counts["updated"]) == (True, "done", 1)
    assert RoomNight.objects.filter(price=Decimal("130.00")).count() == 0
    page = client.get(response["Location"])
    assert b"Import for real" in page.content

    # when: they import it for real
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:catalog_importjob_apply", args=[job.pk]))

    # then
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert (real.dry_run, real.status) == (False, "done")
    assert RoomNight.objects.filter(price=Decimal("130.00")).count() == 1


@pytest.mark.django_db
def test_support_agent_exports_rates_but_cannot_import_them(double):
    client = member(roles.SUPPORT_AGENT)

    page = client.get(reverse("admin:catalog_roomnight_export"))
    export = client.get(reverse("admin:catalog_roomnight_export"), {"format": "csv"})
    cheap = upload("LUT,DBL,2031-03-03,1,10,false,1")
    refused = client.post(reverse("admin:catalog_importjob_add"),
                          {"kind": "room_nights", "file": cheap})  # fmt: skip

    assert page.status_code == 200
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert b"LUT,DBL,2031-03-03,100.00,10,0" in export.content
    assert refused.status_code == 403
    assert not ImportJob.objects.exists()
    assert RoomNight.objects.filter(price=Decimal("1")).count() == 0


@pytest.mark.django_db
def test_a_kind_the_member_may_not_change_is_not_offered():
    # an analyst-like staff member given only the import jobs' add permission
    from django.contrib.auth.models import Permission

    user = UserFactory.create(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    client = log_in_verified(Client(), user)

    response = client.post(reverse("admin:catalog_importjob_add"),
                           {"kind": "room_nights", "file": upload("x")})  # fmt: skip

    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_import_page_shows_a_dry_runs_errors_in_the_browser(live_server, browser, tmp_path):
    # given: a revenue manager and a file with one bad row
    room_type = double_on_sale(nights=2)
    RoomNight.objects.filter(room_type=room_type, date=START).update(rooms_available=2)
    roles.roles_sync()
    boss = UserFactory.create(username="revenue", is_staff=True)
    boss.groups.add(Group.objects.get(name=roles.REVENUE_MANAGER))
    sheet = tmp_path / "rates.csv"
    sheet.write_text(HEADER + "\nLUT,DBL,2031-03-03,100.00,5,false,1\n"
                     "LUT,DBL,2031-03-04,cheap,10,false,1\n")  # fmt: skip

    # when: they upload it from the import page, dry run ticked
    staff = staff_logged_in(browser, live_server.url, boss, width=1400, height=900)
    page = staff.page
    page.goto(f"{live_server.url}/admin/catalog/importjob/add/")
    page.select_option("#id_kind", "room_nights")
    page.set_input_files("#id_file", str(sheet))
    assert page.is_checked("#id_dry_run")
    page.click("input[type=submit]")
    page.wait_for_selector("table.import-errors")

    # then: each bad row with its column and why; nothing changed, nothing to apply
    cells = page.locator("table.import-errors tbody tr").all_inner_texts()
    assert [" ".join(c.split()) for c in cells] == [
        "2 allotment allotment 5 is below 8 sold or held",
        "3 price 'cheap' is not a number",
    ]
    assert page.locator("text=Import for real").count() == 0
    assert RoomNight.objects.get(room_type=room_type, date=START).rooms_total == 10
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "import-dry-run.png"), full_page=True)
    assert staff.errors == []
    assert staff.failed == []
    page.close()


def test_the_admin_loads_without_the_spreadsheet_libraries():
    """Cold start: the admin's registry is imported at every start; openpyxl and the
    library load on the export and import pages only."""
    import os
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); from django.contrib import admin; "
        "admin.autodiscover(); import catalog.admin; "
        "print([m for m in ('openpyxl', 'tablib', 'import_export') if m in sys.modules])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "travelguru.settings.test"}
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"


def test_every_kind_offered_has_its_resource():
    from catalog.admin_imports import KIND_MODELS
    from catalog.resources import RESOURCES

    assert {k: r._meta.model for k, r in RESOURCES.items()} == KIND_MODELS


@pytest.mark.django_db
def test_an_export_holds_the_rows_the_lists_filters_leave(double):
    RoomNight.objects.filter(room_type=double, date=START).update(stop_sell=True)
    client = member(roles.REVENUE_MANAGER)

    export = client.get(reverse("admin:catalog_roomnight_export"),
                        {"stop_sell__exact": "1", "format": "xlsx"})  # fmt: skip

    from import_export.formats.base_formats import XLSX

    rows = XLSX().create_dataset(export.content).dict
    assert export["Content-Disposition"].endswith('.xlsx"')
    assert [(r["hotel"], r["room_type"], r["date"], r["stop_sell"]) for r in rows] == [
        ("LUT", "DBL", "2031-03-03", "1")
    ]


@pytest.mark.django_db
def test_a_job_whose_task_was_ended_by_its_time_limit_shows_as_failed_not_running_for_ever():
    from datetime import timedelta

    from django.utils import timezone

    client = member(roles.REVENUE_MANAGER)
    user = UserFactory.create(email="rm@example.com")
    now = timezone.now()

    def job(started_minutes_ago: int) -> ImportJob:
        return ImportJob.objects.create(
            user=user, kind="room_nights", file="imports/rates.csv", file_name="rates.csv",
            dry_run=False, status=ImportJob.Status.RUNNING, created_at=now,
            started_at=now - timedelta(minutes=started_minutes_ago),
        )  # fmt: skip

    dead, alive = job(16), job(2)

    page = client.get(reverse("admin:catalog_importjob_changelist"))

    assert page.status_code == 200
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ImportJob.Status.FAILED
    assert "did not finish" in dead.errors[0]["message"]
    assert dead.finished_at is not None
    assert alive.status == ImportJob.Status.RUNNING
