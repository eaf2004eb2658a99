"""Cold start: process start -> first response, the Lambda package next to a bare project.

1. The zip `make package` built (var/package/travelguru-prod.zip) is unpacked and its
   handler.py (Zappa's) run as tests/infra/test_lambda_handler.py does: `python -S` (only
   the package and the standard library importable), bytecode writes off, fed one API
   Gateway REST proxy event for GET /api/config. Timed from just before the process is
   spawned to the handler's answer on stdout.
2. A bare Django + DRF project (one APIView answering JSON, generated in a temp dir) run
   from this venv, timed the same way through Django's WSGI handler.

N fresh processes each, alternating (package, bare, package, bare ...). The import-time
top 10 comes from one more package run under `python -X importtime`, self time summed
per top-level package.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench.common import ROOT, VAR, summary

PACKAGE = VAR / "package" / "travelguru-prod.zip"
HOST = "api.travelguru.example"
MARK = "@@BENCH@@"

LAMBDA_DRIVER = f"""
import json, sys
class Context:
    function_name = "travelguru-prod"; function_version = "7"; memory_limit_in_mb = "1024"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:travelguru-prod"
    log_group_name = "/aws/lambda/travelguru-prod"; log_stream_name = "s"; aws_request_id = "r"
    def get_remaining_time_in_millis(self): return 60000
import handler
out = handler.lambda_handler(json.loads(sys.argv[1]), Context())
sys.stdout.write("{MARK}" + json.dumps({{"status": out.get("statusCode")}}) + "\\n")
"""

BARE_SETTINGS = """
SECRET_KEY = "bench-bare-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bare.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": []}
"""

BARE_URLS = """
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

class Hello(APIView):
    def get(self, request):
        return Response({"hello": "world"})

urlpatterns = [path("api/hello", Hello.as_view())]
"""

BARE_DRIVER = f"""
import io, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "bare.settings"
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": "/api/hello", "QUERY_STRING": "",
    "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
    "HTTP_ACCEPT": "application/json", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
    "wsgi.multiprocess": False, "wsgi.run_once": False}}
seen = {{}}
body = b"".join(app(environ, lambda status, headers: seen.setdefault("s", status)))
sys.stdout.write("{MARK}" + json.dumps({{"status": int(seen["s"][:3])}}) + "\\n")
"""


def _event() -> dict:
    headers = {"Accept": "application/json", "Host": HOST, "X-Forwarded-Proto": "https",
               "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Port": "443"}  # fmt: skip
    return {
        "resource": "/{proxy+}", "path": "/api/config", "httpMethod": "GET",
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": "api/config"}, "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}", "httpMethod": "GET", "path": "/api/config",
            "stage": "prod", "requestId": "bench", "identity": {"sourceIp": "203.0.113.7"},
            "domainName": HOST, "apiId": "abc123defg", "accountId": "123456789012",
        },
        "body": None, "isBase64Encoded": False,
    }  # fmt: skip


def _unpack() -> Path:
    target = VAR / "bench-lambda" / "task"
    stamp = VAR / "bench-lambda" / "unpacked-from"
    mark = f"{PACKAGE.stat().st_mtime_ns}:{PACKAGE.stat().st_size}"
    if not (stamp.exists() and stamp.read_text() == mark):
        import shutil

        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(PACKAGE) as zf:
            zf.extractall(target)
        stamp.write_text(mark)
    return target


def _database() -> Path:
    """A migrated SQLite file with the cache table and the throttles' counters (the throttles
    count on every request). Migrated on every run: a file from an older checkout must not
    answer 503 for a table it lacks."""
    database = VAR / "bench-lambda" / "db.sqlite3"
    database.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "DJANGO_SETTINGS_MODULE": "travelguru.settings.local"}  # fmt: skip
    for args in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603
    return database


def _lambda_env(database: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "DJANGO_SECRET_KEY": "bench-cold-" + "s" * 50, "DJANGO_ALLOWED_HOSTS": HOST,
        "MEDIA_BUCKET": "travelguru-bench-media", "STATIC_BUCKET": "travelguru-bench-static",
        "STATIC_HOST": "d111111abcdef8.cloudfront.net", "DATABASE_URL": f"sqlite:///{database}",
    }  # fmt: skip


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one process. CPU (user + system of the child) is what the
    process itself spent, so it moves far less than wall time when the machine is shared."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    elapsed = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARK)), None)
    if line is None or json.loads(line[len(MARK) :])["status"] != 200:
        raise SystemExit(f"cold start run failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return elapsed, cpu


def importtime_top(
    task: Path, env: dict[str, str], n: int = 10, runs: int = 3
) -> list[tuple[str, float]]:
    """Self import time per top-level package, the median of `runs` processes (one run on a
    shared machine moves by tens of ms)."""
    per: dict[str, list[int]] = {}
    for run in range(runs):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-S", "-X", "importtime", "-c", LAMBDA_DRIVER, json.dumps(_event())],
            cwd=task, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        for line in done.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if m:
                totals = per.setdefault(m.group(4).split(".")[0], [0] * runs)
                totals[run] += int(m.group(1))
    ranked = sorted(
        ((name, statistics.median(us)) for name, us in per.items()), key=lambda kv: -kv[1]
    )
    return [(name, us / 1000) for name, us in ranked[:n]]


def run(*, repeats: int) -> dict:
    if not PACKAGE.exists():
        return {"skipped": f"{PACKAGE.relative_to(ROOT)} is missing: run `make package`"}
    task = _unpack()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        base = Path(tmp)
        env = _lambda_env(_database())
        (base / "bare").mkdir()
        (base / "bare" / "__init__.py").write_text("")
        (base / "bare" / "settings.py").write_text(BARE_SETTINGS)
        (base / "bare" / "urls.py").write_text(BARE_URLS)
        bare_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        bare_env.pop("DJANGO_SETTINGS_MODULE", None)
        lam_argv = [sys.executable, "-S", "-c", LAMBDA_DRIVER, json.dumps(_event())]
        bare_argv = [sys.executable, "-c", BARE_DRIVER]
        # one of each first: the page cache now holds both (a warm Lambda host does too)
        _timed(lam_argv, task, env)
        _timed(bare_argv, base, bare_env)
        lam, bare = [], []
        for _ in range(repeats):
            lam.append(_timed(lam_argv, task, env))
            bare.append(_timed(bare_argv, base, bare_env))
        top = importtime_top(task, env)
    return {
        "package": summary([wall for wall, _ in lam]),
        "bare": summary([wall for wall, _ in bare]),
        "package_cpu": summary([cpu for _, cpu in lam]),
        "bare_cpu": summary([cpu for _, cpu in bare]),
        "package_runs_ms": [round(wall) for wall, _ in lam],
        "bare_runs_ms": [round(wall) for wall, _ in bare],
        "importtime_top": top,
        "package_zip_mb": PACKAGE.stat().st_size / 1024 / 1024,
    }
