"""Spreadsheet imports of the catalog and its inventory, as jobs staff follow in the admin.

A job names a stored file (the default storage: S3 on Lambda, local files elsewhere), a
kind (catalog.resources.RESOURCES) and whether it is a dry run. `import_job_run` reads the
file and imports it in one transaction: a dry run, or a file with any row in error,
changes nothing and lists every error (row as the spreadsheet numbers it, column,
message); otherwise every row is applied, one audit entry records the counts, and the
search answers of what changed are made stale once committed. Running is claimed with a
conditional update, so a job runs once even when its task is delivered twice (Lambda
retries asynchronous invocations).

The run happens in a background task (catalog.import_tasks) because a large file outlives
an HTTP request's time on Lambda.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from audit.services import audit_record
from catalog import references
from catalog.models import ImportJob
from catalog.resources import RESOURCES, InventoryResource
from catalog.selectors import INVENTORY
from travelguru.errors import DomainError
from travelguru.results_cache import results_changed

FORMATS = ("csv", "xlsx")
# Errors kept on a job: enough to fix a file, bounded for the row that stores them.
MAX_ERRORS = 500
MAX_FILE_BYTES = 20 * 1024 * 1024
# No Lambda invocation lives longer: a job still running after that was ended with its
# invocation (the time limit stops it without a word) and its one transaction went with
# the connection, so nothing of it was applied.
RUN_LIMIT = timedelta(minutes=15)


class ImportRefused(DomainError):
    code = "import-refused"
    status = 422
    title = "This file cannot be imported"


def import_format(file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ImportRefused(f"Give a .csv or .xlsx file, not {file_name!r}.")
    return suffix


def import_job_create(
    *, user: Any, kind: str, upload: UploadedFile, dry_run: bool, now: datetime
) -> ImportJob:
    """Store the uploaded file and a queued job for it (the caller starts its task)."""
    if kind not in RESOURCES:
        raise ImportRefused(f"Nothing named {kind!r} is imported.")
    import_format(upload.name or "")
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise ImportRefused("The file is larger than 20 MB: split it.")
    job = ImportJob(
        user=user, kind=kind, file_name=(upload.name or "")[:200], dry_run=dry_run,
        created_at=now,
    )  # fmt: skip
    job.file.save(PurePath(upload.name or "import").name, upload, save=False)
    job.save()
    return job


def import_job_apply(*, job: ImportJob, user: Any, now: datetime) -> ImportJob:
    """A queued real import of the file a clean dry run read (the same stored file)."""
    if not (job.dry_run and job.status == ImportJob.Status.DONE):
        raise ImportRefused("Only a dry run without errors is imported for real.")
    return ImportJob.objects.create(
        user=user, kind=job.kind, file=job.file.name, file_name=job.file_name, dry_run=False,
        created_at=now,
    )  # fmt: skip


def _dataset(job: ImportJob) -> Any:
    from import_export.formats import base_formats

    with job.file.open("rb") as stored:
        content = stored.read()
    if import_format(job.file_name) == "xlsx":
        return base_formats.XLSX().create_dataset(content)
    try:
        text = content.decode("utf-8-sig")  # Excel writes CSV with a byte order mark
    except UnicodeDecodeError:
        raise ImportRefused("The CSV file is not UTF-8 text.") from None
    return base_formats.CSV().create_dataset(text)


def _errors(resource: Any, result: Any) -> list[dict[str, Any]]:
    """Every error of the result: (spreadsheet row, column, message). Row 1 is the header."""
    columns = {f.attribute: f.column_name for f in resource.fields.values() if f.attribute}
    found: list[dict[str, Any]] = []
    for error in result.base_errors:
        found.append({"row": None, "field": "", "message": str(error.error)})
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            for message in messages:
                text = " ".join(message.messages) if hasattr(message, "messages") else message
                found.append({"row": invalid.number + 1, "field": columns.get(name, name),
                              "message": str(text)})  # fmt: skip
    for number, errors in result.row_errors():
        for error in errors:
            found.append({"row": number + 1, "field": "", "message": str(error.error)})
    return sorted(found, key=lambda e: (e["row"] or 0, e["field"]))


def _claim(job_id: int, now: datetime) -> bool:
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, started_at=now
        )
    )


def import_jobs_time_out(*, now: datetime) -> int:
    """Mark jobs that have been running longer than any invocation can as failed, saying
    why, so staff are not left watching "running" for ever; returns how many."""
    message = (
        "The import did not finish within the time a background task may run; nothing was"
        " applied. Split the file, or run it again (rows already as in the file are skipped)."
    )
    return ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lt=now - RUN_LIMIT
    ).update(
        status=ImportJob.Status.FAILED,
        finished_at=now,
        errors=[{"row": None, "field": "", "message": message}],
    )


def import_job_run(*, job_id: int, now: datetime, clock: Any = None) -> ImportJob:
    """Run a queued job once (a second delivery finds it claimed and does nothing).

    `clock` gives the finishing time (default: `now`)."""
    if not _claim(job_id, now):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    resource = RESOURCES[job.kind]()
    try:
        dataset = _dataset(job)
        with transaction.atomic():
            result = resource.import_data(
                dataset, dry_run=job.dry_run, use_transactions=True,
                rollback_on_validation_errors=True, raise_errors=False,
            )  # fmt: skip
            errors = _errors(resource, result)
            totals = result.totals
            counts = {
                "rows": result.total_rows, "new": totals["new"], "updated": totals["update"],
                "unchanged": totals["skip"], "invalid": totals["invalid"] + totals["error"],
            }  # fmt: skip
            status = ImportJob.Status.REFUSED if errors else ImportJob.Status.DONE
            if not job.dry_run and not errors:
                _applied(job, resource, counts, now)
    except ImportRefused as exc:
        status, counts, errors = (
            ImportJob.Status.FAILED,
            {},
            [{"row": None, "field": "", "message": exc.detail}],
        )
    except Exception as exc:  # a broken file (bad XLSX, no header) is the staff's to see
        status, counts, errors = (
            ImportJob.Status.FAILED,
            {},
            [{"row": None, "field": "", "message": f"{type(exc).__name__}: {exc}"[:500]}],
        )
    job.status = status
    job.counts = counts
    job.errors = errors[:MAX_ERRORS]
    job.finished_at = clock() if clock else now
    job.save(update_fields=["status", "counts", "errors", "finished_at"])
    return job


def _applied(job: ImportJob, resource: Any, counts: dict[str, int], now: datetime) -> None:
    """The audit entry and the stale search answers of an import that changed rows."""
    if counts["new"] or counts["updated"]:
        if isinstance(resource, InventoryResource):
            results_changed(INVENTORY[resource.kind][3])
        else:
            results_changed()  # names, schedules, publication: every kind of answer
            references.forget_after_commit()  # airports' and airlines' names read again
    audit_record(
        actor=job.user, action="catalog.import", target=job, now=now,
        details={"kind": job.kind, "file": job.file_name, **counts},
    )  # fmt: skip
