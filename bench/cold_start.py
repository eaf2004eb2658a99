"""Cold start: process start -> first response, the Lambda package next to a bare project.

1. The zip `make package` built (var/package/travelguru-prod.zip) is unpacked and its
   handler.py (Zappa's) run as tests/infra/test_lambda_handler.py does: `python -S` (only
   the package and the standard library importable), bytecode writes off, fed one API
   Gateway REST proxy event for GET /api/config. Timed from just before the process is
   spawned to the handler's answer on stdout (wall), and the CPU the process had spent by
   then; the same to the process's exit are kept apart (see _timed).
2. Bare through Zappa (the like-for-like baseline): a bare Django + DRF project (one APIView
   answering JSON) deployed the way ours is. A task directory holding the unpacked
   package's libraries (symlinked: everything but our own apps, settings and
   zappa_settings.py), Zappa's handler.py and the package's zappa_settings.py with
   DJANGO_SETTINGS pointing at the bare project, bytecode compiled as the package's is
   (unchecked-hash .pyc). Run by the same `python -S` driver with an API Gateway event for
   its view. What it costs over bare plain is Zappa's (its handler imports werkzeug,
   zappa.utilities -> boto3/botocore ...), which a Lambda deploy of any Django project pays.
3. Bare plain: the same bare project run from this venv straight through Django's WSGI
   handler (no Zappa, no `-S`). Kept for information: the gap to it is not all ours.

N fresh processes each, alternating (package, bare through Zappa, bare plain, package ...).
The import-time top 10 comes from more package runs under `python -X importtime`, self time
summed per top-level package.
"""

from __future__ import annotations

import io
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
import json, sys, time
class Context:
    function_name = "travelguru-prod"; function_version = "7"; memory_limit_in_mb = "1024"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:travelguru-prod"
    log_group_name = "/aws/lambda/travelguru-prod"; log_stream_name = "s"; aws_request_id = "r"
    def get_remaining_time_in_millis(self): return 60000
import handler
out = handler.lambda_handler(json.loads(sys.argv[1]), Context())
answer = {{"status": out.get("statusCode"), "cpu_ms": time.process_time() * 1000}}
sys.stdout.write("{MARK}" + json.dumps(answer) + "\\n")
sys.stdout.flush()
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
import io, json, os, sys, time
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
cpu_ms = time.process_time() * 1000
sys.stdout.write("{MARK}" + json.dumps({{"status": int(seen["s"][:3]), "cpu_ms": cpu_ms}}) + "\\n")
sys.stdout.flush()
"""


def _event(path: str = "/api/config") -> dict:
    headers = {"Accept": "application/json", "Host": HOST, "X-Forwarded-Proto": "https",
               "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Port": "443"}  # fmt: skip
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": "GET",
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}", "httpMethod": "GET", "path": path,
            "stage": "prod", "requestId": "bench", "identity": {"sourceIp": "203.0.113.7"},
            "domainName": HOST, "apiId": "abc123defg", "accountId": "123456789012",
        },
        "body": None, "isBase64Encoded": False,
    }  # fmt: skip


def _unpack() -> Path:
    target = VAR / ".bench-lambda" / "task"
    stamp = VAR / ".bench-lambda" / "unpacked-from"
    mark = f"{PACKAGE.stat().st_mtime_ns}:{PACKAGE.stat().st_size}"
    if not (stamp.exists() and stamp.read_text() == mark):
        import shutil

        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(PACKAGE) as zf:
            zf.extractall(target)
        stamp.write_text(mark)
    return target


def _bare_project(base: Path) -> None:
    (base / "bare").mkdir()
    (base / "bare" / "__init__.py").write_text("")
    (base / "bare" / "settings.py").write_text(BARE_SETTINGS)
    (base / "bare" / "urls.py").write_text(BARE_URLS)


def _bare_task(task: Path, base: Path) -> Path:
    """The bare project deployed as ours is: a task directory with the package's libraries
    and Zappa's handler, and its own zappa_settings.py (DJANGO_SETTINGS = the bare one).

    Left out of the package: what the repository itself holds (our apps, travelguru's
    settings, manage.py ...), zappa_settings.py and the top-level __pycache__ (its
    zappa_settings .pyc is unchecked-hash: Python would use it whatever the .py says).
    """
    ours = {entry.name for entry in ROOT.iterdir()}
    bare_task = base / "bare-zappa"
    bare_task.mkdir()
    for entry in task.iterdir():
        if entry.name in ours or entry.name in ("zappa_settings.py", "__pycache__"):
            continue
        (bare_task / entry.name).symlink_to(entry)
    (bare_task / "__pycache__").mkdir()
    for pyc in (task / "__pycache__").glob("*.pyc"):  # handler.py's, django_zappa_app's ...
        if not pyc.name.startswith(("zappa_settings.", "manage.")):
            (bare_task / "__pycache__" / pyc.name).symlink_to(pyc)
    settings = (task / "zappa_settings.py").read_text()
    settings, n = re.subn(r"(?m)^DJANGO_SETTINGS=.*$", "DJANGO_SETTINGS='bare.settings'", settings)
    if n != 1:
        raise SystemExit("bench: no DJANGO_SETTINGS line in the package's zappa_settings.py")
    (bare_task / "zappa_settings.py").write_text(settings)
    _bare_project(bare_task)
    # bytecode as the package has it (scripts/lambda_package.py finish)
    for path in ("zappa_settings.py", "bare"):
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
             path],
            cwd=bare_task, check=True,
        )  # fmt: skip
    return bare_task


def _database() -> Path:
    """A migrated SQLite file with the cache table and the throttles' counters (the throttles
    count on every request). Migrated on every run: a file from an older checkout must not
    answer 503 for a table it lacks."""
    database = VAR / ".bench-lambda" / "db.sqlite3"
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


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU ms of one process, to its answer and to its exit.

    To the answer is the cold start: from just before the process is spawned to the answer
    line on stdout, and the CPU (user + system) the process had spent by then, which it reads
    itself (time.process_time). A Lambda process lives on after its first answer, so what
    follows (the interpreter tearing down every module: ~100-170 ms here, more the more that
    was imported) is no part of it; the whole process's figures are kept apart. CPU moves far
    less than wall time when the machine is shared."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile(mode="w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        stdout = process.stdout or io.StringIO()
        answered, line = None, None
        for out in stdout:
            if out.startswith(MARK):
                answered, line = time.perf_counter(), out
                break
        rest = stdout.read()
        process.wait(timeout=120)
        exited = time.perf_counter()
        errors.seek(0)
        stderr = errors.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    answer = json.loads(line[len(MARK) :]) if line else {}
    if answered is None or answer.get("status") != 200:
        raise SystemExit(f"cold start run failed:\n{(line or '') + rest[-2000:]}\n{stderr[-3000:]}")
    return {
        "wall": (answered - started) * 1000,
        "cpu": answer["cpu_ms"],
        "exit_wall": (exited - started) * 1000,
        "exit_cpu": (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000,
    }


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
    """Wall and CPU ms of `repeats` cold starts each: "package" (ours), "bare_zappa" (the bare
    project through Zappa's handler: the like-for-like baseline) and "bare" (the bare project
    plain, through Django's WSGI handler)."""
    if not PACKAGE.exists():
        return {"skipped": f"{PACKAGE.relative_to(ROOT)} is missing: run `make package`"}
    task = _unpack()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        base = Path(tmp)
        env = _lambda_env(_database())
        (base / "plain").mkdir()
        _bare_project(base / "plain")
        bare_task = _bare_task(task, base)
        bare_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        bare_env.pop("DJANGO_SETTINGS_MODULE", None)
        processes = {
            "package": ([sys.executable, "-S", "-c", LAMBDA_DRIVER, json.dumps(_event())],
                        task, env),
            "bare_zappa": ([sys.executable, "-S", "-c", LAMBDA_DRIVER,
                            json.dumps(_event("/api/hello"))], bare_task, env),
            "bare": ([sys.executable, "-c", BARE_DRIVER], base / "plain", bare_env),
        }  # fmt: skip
        # one of each first: the page cache now holds them all (a warm Lambda host does too)
        for argv, cwd, process_env in processes.values():
            _timed(argv, cwd, process_env)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in processes}
        for _ in range(repeats):
            for name, (argv, cwd, process_env) in processes.items():
                runs[name].append(_timed(argv, cwd, process_env))
        top = importtime_top(task, env)
    figures: dict = {}
    for name, timed in runs.items():
        figures[name] = summary([run["wall"] for run in timed])
        figures[f"{name}_cpu"] = summary([run["cpu"] for run in timed])
        figures[f"{name}_runs_ms"] = [round(run["wall"]) for run in timed]
        figures[f"{name}_exit"] = summary([run["exit_wall"] for run in timed])
        figures[f"{name}_exit_cpu"] = summary([run["exit_cpu"] for run in timed])
    return {
        **figures,
        "importtime_top": top,
        "package_zip_mb": PACKAGE.stat().st_size / 1024 / 1024,
    }
