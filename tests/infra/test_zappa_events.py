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
    assert by_function["export_analytics"] == "cron(15 2 * * ? *)"


def _command_run_by(function_path: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    """Call a scheduled bridge with call_command recorded, and return what it ran."""
    import django.core.management

    module, _, name = function_path.rpartition(".")
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(django.core.management, "call_command", lambda *a: calls.append(a))
    getattr(importlib.import_module(module), name)({"source": "aws.events"}, None)
    assert len(calls) == 1, calls
    return calls[0]


@pytest.mark.django_db  # the search syncs also log the index's age from the database
@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e["function"].rpartition(".")[2])
def test_every_event_runs_a_management_command_that_exists(event, monkeypatch):
    from django.core.management import get_commands

    command, *_ = _command_run_by(event["function"], monkeypatch)

    assert command in get_commands(), f"{event['function']} runs unknown command {command!r}"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stage_runs_every_event_and_holds_no_secret(stage):
    # given: Zappa merges base into each stage through "extends"
    config = {**SETTINGS["base"], **SETTINGS[stage]}

    # then: the stages share the schedule, and the file carries secret names, never values
    assert SETTINGS[stage]["extends"] == "base"
    assert "events" not in SETTINGS[stage]
    assert config["django_settings"] == "travelguru.settings.production"
    assert config["runtime"] == "python3.11"
    names = set(config["aws_environment_variables"]) | set(config.get("environment_variables", {}))
    assert names == {
        "DJANGO_SECRETS_ID",
        "DATABASE_SECRET_ID",
        "DJANGO_SSM_PATH",
        "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT",
    }
    assert not {"DJANGO_SECRET_KEY", "STRIPE_SECRET_KEY", "DATABASE_URL"} & names


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("function", "command", "args"),
    [
        ("sync_search_index", "sync_search_index", ("--budget-seconds=40",)),
        ("sync_search_index_full", "sync_search_index", ("--full", "--budget-seconds=40")),
        ("sync_search_index_resume", "sync_search_index", ("--resume-only", "--budget-seconds=40")),
        ("release_expired_holds", "release_expired_holds", ()),
        ("reconcile_payments", "reconcile_payments", ()),
        ("export_analytics", "export_analytics", ()),
        ("flush_expired_tokens", "flush_expired_sessions", ()),
        ("clear_sessions", "clearsessions", ()),
        ("send_due_messages", "send_due_messages", ()),
        ("warn_expiring_holds", "warn_expiring_holds", ()),
        ("queue_trip_messages", "queue_trip_messages", ()),
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


@pytest.mark.django_db
def test_the_daily_housekeeping_drops_expired_tokens_and_sessions_only():
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import LoginSession
    from tests.factories.accounts import UserFactory
    from travelguru import scheduled

    # given: a login whose last refresh token expired, an ended one whose tokens have not,
    # a live one, and an admin session past its expiry next to a live one
    user = UserFactory.create()
    now = timezone.now()
    for name, rotated, ended in [
        ("expired", now - timedelta(days=15), None),
        ("logged-out", now - timedelta(days=2), now - timedelta(days=1)),
        ("live", now - timedelta(days=13), None),
    ]:
        LoginSession.objects.create(
            user=user, created_at=rotated, rotated_at=rotated, ended_at=ended, credentials=name
        )
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(hours=1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + timedelta(hours=1))

    # when: the schedule runs the housekeeping
    scheduled.flush_expired_tokens({"source": "aws.events"}, None)
    scheduled.clear_sessions({"source": "aws.events"}, None)

    # then: only what had expired is gone (a logged-out session stays while its tokens live)
    assert sorted(LoginSession.objects.values_list("credentials", flat=True)) == [
        "live",
        "logged-out",
    ]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_every_scheduled_sync_logs_the_index_age_as_a_metric_the_alarm_watches(capsys):
    from datetime import timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from search.models import SyncState
    from travelguru import scheduled

    context = SimpleNamespace(function_name="travelguru-prod")
    scheduled.sync_search_index({}, context)
    SyncState.objects.filter(engine="local").update(
        last_run_at=timezone.now() - timedelta(hours=40)
    )
    capsys.readouterr()

    scheduled.sync_search_index_resume({}, context)  # nothing to resume: the age stays

    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    metric = record["_aws"]["CloudWatchMetrics"][0]
    assert record["FunctionName"] == "travelguru-prod"
    assert 40 * 3600 <= record["SearchIndexAgeSeconds"] < 41 * 3600
    from tests.infra.test_templates import load

    resources = load(Path(__file__).parents[2] / "infra" / "app.yaml")["Resources"]
    props = resources["SearchIndexAgeAlarm"]["Properties"]
    assert (props["Namespace"], props["MetricName"]) == (
        metric["Namespace"],
        metric["Metrics"][0]["Name"],
    )
    assert [d["Name"] for d in props["Dimensions"]] == metric["Dimensions"][0]
    assert record["SearchIndexAgeSeconds"] > props["Threshold"]
    assert props["TreatMissingData"] == "breaching"
