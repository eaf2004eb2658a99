"""The scheduled jobs in zappa_settings.json point at real functions that run our commands."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

SETTINGS = json.loads((Path(__file__).parents[2] / "zappa_settings.json").read_text())
EVENTS = SETTINGS["base"]["events"]
# EventBridge schedule expressions: rate(N unit[s]) or a six-field cron(...).
RATE = re.compile(
    r"^rate\((1 (minute|hour|day)|[2-9]\d* (minutes|hours|days)|\d{2,} (minutes|hours|days))\)$"
)
CRON = re.compile(r"^cron\((\S+ ){5}\S+\)$")


@pytest.mark.parametrize("event", EVENTS, ids=[e["function"] for e in EVENTS])
def test_every_event_is_a_valid_schedule_of_a_real_function(event):
    module, _, name = event["function"].rpartition(".")

    assert callable(getattr(importlib.import_module(module), name))
    assert RATE.match(event["expression"]) or CRON.match(event["expression"]), event


def test_the_index_is_refreshed_daily_at_a_quiet_hour_and_rebuilt_weekly():
    by_function = {e["function"].rpartition(".")[2]: e["expression"] for e in EVENTS}

    assert by_function["sync_search_index"] == "cron(0 3 * * ? *)"
    assert by_function["sync_search_index_full"].startswith("cron(")
    assert "SUN" in by_function["sync_search_index_full"]
    assert by_function["release_expired_holds"] == "rate(1 minute)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("function", "command", "args"),
    [
        ("sync_search_index", "sync_search_index", ()),
        ("sync_search_index_full", "sync_search_index", ("--full",)),
        ("release_expired_holds", "release_expired_holds", ()),
        ("reconcile_payments", "reconcile_payments", ()),
    ],
)
def test_scheduled_functions_run_the_commands(monkeypatch, function, command, args):
    import django.core.management

    from travelguru import scheduled

    calls = []
    monkeypatch.setattr(django.core.management, "call_command", lambda *a: calls.append(a))

    getattr(scheduled, function)({"source": "aws.events"}, None)

    assert calls == [(command, *args)]


@pytest.mark.django_db
def test_a_scheduled_sync_really_indexes(capsys):
    from search.models import SyncState
    from travelguru import scheduled

    scheduled.sync_search_index({}, None)

    assert SyncState.objects.get(engine="local").last_run_at is not None
