"""The background task that runs an import job (catalog.imports).

On Lambda, Zappa's `task` sends an asynchronous invocation of the function itself whose
payload is this task's path and the job's id, nothing of the file (the payload is limited
to 256 KB; the file waits in the default storage). Off Lambda it runs in-process at once.
Kept out of the request path's imports: Zappa's module imports boto3.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from catalog.imports import import_job_run

try:
    from zappa.asynchronous import task
except ImportError:  # a base install without Zappa (`make run`): the task runs in-process

    def task(func: Any) -> Any:
        return func


@task
def import_job_task(job_id: int) -> None:
    import_job_run(job_id=job_id, now=timezone.now(), clock=timezone.now)


def import_job_start(job_id: int) -> None:
    """Start the job's task once the job row is committed (the task reads it)."""
    from django.db import transaction

    transaction.on_commit(lambda: import_job_task(job_id))
