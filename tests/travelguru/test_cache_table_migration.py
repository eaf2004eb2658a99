"""`migrate` alone gives a new database the cache table logins and throttles need.

The suite's own databases are built with --no-migrations (and Django's test runner adds
the cache table itself), so these tests migrate a fresh database in a subprocess, as the
runbook's `zappa manage <stage> "migrate --noinput"` and `make run` do.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# what a failed login does to its counters (accounts.services): add, then increment
COUNT_A_FAILED_LOGIN = (
    "import django; django.setup(); from django.core.cache import cache;"
    "cache.add('login-failures:ip:203.0.113.9', 0, 900);"
    "print(cache.incr('login-failures:ip:203.0.113.9'))"
)


@pytest.fixture
def fresh_database(tmp_path: Path):
    path = tmp_path / "fresh.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "travelguru.settings.test",
        "DATABASE_URL": f"sqlite:///{path}",
        "CACHE_URL": "dbcache://travelguru_cache",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )

    def tables() -> set[str]:
        with sqlite3.connect(path) as db:
            return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    return run, tables


def test_a_freshly_migrated_database_counts_failed_logins(fresh_database):
    run, tables = fresh_database

    migrated = run("manage.py", "migrate", "--noinput", "-v", "0")
    counted = run("-c", COUNT_A_FAILED_LOGIN)

    assert migrated.returncode == 0, migrated.stderr
    assert "travelguru_cache" in tables()
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.strip() == "1"


def test_a_database_whose_cache_table_was_made_by_hand_still_migrates(fresh_database):
    # databases set up by the old runbook ran `createcachetable` themselves
    run, tables = fresh_database
    assert run("manage.py", "migrate", "auth", "--noinput", "-v", "0").returncode == 0
    assert run("manage.py", "createcachetable").returncode == 0

    migrated = run("manage.py", "migrate", "--noinput", "-v", "0")

    assert migrated.returncode == 0, migrated.stderr
    assert "travelguru_cache" in tables()


def test_unapplying_the_migration_keeps_the_cache_and_applying_it_again_works(fresh_database):
    run, tables = fresh_database
    assert run("manage.py", "migrate", "--noinput", "-v", "0").returncode == 0

    back = run("manage.py", "migrate", "travelguru", "zero", "--noinput", "-v", "0")
    again = run("manage.py", "migrate", "--noinput", "-v", "0")

    assert back.returncode == 0, back.stderr
    assert again.returncode == 0, again.stderr
    assert "travelguru_cache" in tables()
    assert run("-c", COUNT_A_FAILED_LOGIN).stdout.strip() == "1"
