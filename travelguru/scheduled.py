"""Entry points of the Zappa scheduled events (zappa_settings.json `events`).

Each runs the same management command a developer runs by hand, so the scheduled path is
the tested path. Zappa calls them as `function(event, context)`.
"""

from __future__ import annotations

from typing import Any


def _command(name: str, *args: str) -> None:
    import django
    from django.apps import apps

    if not apps.ready:  # a cold Lambda woken by the schedule, not by a request
        django.setup()
    from django.core.management import call_command

    call_command(name, *args)


def sync_search_index(event: Any = None, context: Any = None) -> None:
    """Send what changed to the search engine (daily, at a quiet hour)."""
    _command("sync_search_index")


def sync_search_index_full(event: Any = None, context: Any = None) -> None:
    """Rebuild the whole index (weekly): repairs anything a partial run missed."""
    _command("sync_search_index", "--full")


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
