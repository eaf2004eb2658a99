"""Entry points of the Zappa scheduled events (zappa_settings.json `events`).

Each runs the same management command a developer runs by hand, so the scheduled path is
the tested path. Zappa calls them as `function(event, context)`.
"""

from __future__ import annotations

from typing import Any


def _setup() -> None:
    import django
    from django.apps import apps

    if not apps.ready:  # a cold Lambda woken by the schedule, not by a request
        django.setup()


def _command(name: str, *args: str) -> None:
    _setup()
    from django.core.management import call_command

    call_command(name, *args)


def _sync_budget(context: Any) -> str:
    """Seconds a sync may spend starting batches, so it ends before Lambda stops it.

    Lambda's context says how long this invocation has left; the configured budget is used
    without one (a run by hand, a test). A reserve stays for the batch in flight (an upload
    retried with back-off) and for saving the checkpoint."""
    from django.conf import settings

    budget = float(settings.SEARCH_SYNC_BUDGET_SECONDS)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        left = remaining() / 1000 - settings.SEARCH_SYNC_RESERVE_SECONDS
        budget = min(budget, max(left, 0.0))
    return f"--budget-seconds={budget:g}"


def _sync(context: Any, *args: str) -> None:
    _setup()
    try:
        _command("sync_search_index", *args, _sync_budget(context))
    finally:
        _report_index_age(context)


# CloudWatch metrics from the function's log (embedded metric format): no PutMetricData
# call, so no IAM permission; the alarm on it is in infra/app.yaml (SearchIndexAgeAlarm).
METRICS_NAMESPACE = "TravelGuru"


def _report_index_age(context: Any) -> None:
    """Log the search index's age, every scheduled sync (the resume one every 5 minutes).

    The age is since the last run that brought every kind up to date: a sync that keeps
    failing, or never finishes inside its budget, grows it until the alarm fires."""
    import json
    import os
    import time

    from django.conf import settings
    from django.utils import timezone

    from search.models import SyncState

    indexed = (
        SyncState.objects.filter(engine=settings.SEARCH_BACKEND)
        .values_list("last_run_at", flat=True)
        .first()
    )
    if indexed is None:
        return  # never indexed: no datapoint, which the alarm treats as breaching
    function = getattr(context, "function_name", None) or os.environ.get(
        "AWS_LAMBDA_FUNCTION_NAME", "local"
    )
    record = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRICS_NAMESPACE,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": [{"Name": "SearchIndexAgeSeconds", "Unit": "Seconds"}],
                }
            ],
        },
        "FunctionName": function,
        "SearchIndexAgeSeconds": round((timezone.now() - indexed).total_seconds()),
    }
    print(json.dumps(record), flush=True)  # noqa: T201 - Lambda's log is the metric's way in


def sync_search_index(event: Any = None, context: Any = None) -> None:
    """Send what changed to the search engine (daily, at a quiet hour)."""
    _sync(context)


def sync_search_index_full(event: Any = None, context: Any = None) -> None:
    """Rebuild the whole index (weekly): repairs anything a partial run missed."""
    _sync(context, "--full")


def sync_search_index_resume(event: Any = None, context: Any = None) -> None:
    """Carry on a sync the time budget cut (every few minutes; one query when none is)."""
    _sync(context, "--resume-only")


def release_expired_holds(event: Any = None, context: Any = None) -> None:
    _command("release_expired_holds")


def reconcile_payments(event: Any = None, context: Any = None) -> None:
    _command("reconcile_payments")


def export_analytics(event: Any = None, context: Any = None) -> None:
    """Write yesterday's analytics export to S3 for QuickSight (daily, 02:15 UTC)."""
    _command("export_analytics")


def flush_expired_tokens(event: Any = None, context: Any = None) -> None:
    """Drop login sessions whose refresh tokens have all expired (daily)."""
    _command("flush_expired_sessions")


def clear_sessions(event: Any = None, context: Any = None) -> None:
    """Drop expired admin sessions (daily); the database backend never does it by itself."""
    _command("clearsessions")


def send_due_messages(event: Any = None, context: Any = None) -> None:
    """Retry the messages a provider outage or a lost process left pending (backoff)."""
    _command("send_due_messages")


def warn_expiring_holds(event: Any = None, context: Any = None) -> None:
    """Tell travelers who left the checkout that their hold ends soon (every minute)."""
    _command("warn_expiring_holds")


def queue_trip_messages(event: Any = None, context: Any = None) -> None:
    """Trip reminders 72 h ahead and review invitations after the trip (every 15 minutes)."""
    _command("queue_trip_messages")
