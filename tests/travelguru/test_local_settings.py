"""`make run` (the local settings) is safe to expose by mistake: no debug pages, and a
signing key of its own instead of one anybody can read in the repository."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from travelguru.settings.local import local_secret_key

ROOT = Path(__file__).resolve().parents[2]


def _local(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`code` run with the local settings as `make run` starts them (no DJANGO_* set)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "travelguru.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'local.sqlite3'}",
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def test_the_key_is_made_once_random_and_readable_by_its_owner_only(tmp_path):
    first = local_secret_key(tmp_path / "a")

    assert local_secret_key(tmp_path / "a") == first  # kept: tokens survive a restart
    assert local_secret_key(tmp_path / "b") != first  # every checkout has its own
    assert len(first) >= 50
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o600


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path, keys = tmp_path / "key", []
    threads = [
        threading.Thread(target=lambda: keys.append(local_secret_key(path))) for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(keys) == 16
    assert set(keys) == {path.read_text().strip()}


def test_make_run_settings_have_debug_off_and_the_generated_key(tmp_path):
    done = _local(
        "import django, json; django.setup(); from django.conf import settings;"
        "print(json.dumps([settings.DEBUG, settings.SECRET_KEY]))",
        tmp_path,
    )

    assert done.returncode == 0, done.stderr
    debug, key = json.loads(done.stdout)
    assert debug is False
    assert key == (ROOT / "var" / "secret_key").read_text().strip()
    assert "not-secret" not in key


def test_make_run_answers_errors_without_a_debug_page(tmp_path):
    # given the local settings as `make run` serves them, and a request carrying a password
    code = """
import django, json
django.setup()
from django.test import Client
client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
out = []
for path in ("/api/hotels/null,null", "/api/nope"):
    r = client.post(path, data='{"password": "Quartz-Heron-Lantern-42"}',
                    content_type="application/json")
    out.append([r.status_code, r["Content-Type"], r.content.decode()])
print(json.dumps(out))
"""
    # when
    done = _local(code, tmp_path)

    # then
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    for status, content_type, body in answers:
        assert (status, content_type) == (404, "application/problem+json")
        assert "Quartz-Heron-Lantern-42" not in body
        assert "DATABASE" not in body
        assert "Traceback" not in body
