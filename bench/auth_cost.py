"""What the session check costs an authenticated request (`make bench`, section `auth`).

Two ways to authenticate a Bearer access token, measured in interleaved rounds in this
process so both see the same machine load:

- `simplejwt`: rest_framework_simplejwt's JWTAuthentication (the baseline: the signature,
  then one SELECT of the user by id);
- `session`: accounts.authentication.SessionJWTAuthentication (the same signature check,
  then one SELECT of the token's login session joined with its user, and the checks that
  the session has not ended, the user is active and the password has not changed).

Each is timed twice: the authentication step alone (`authenticate()` on a DRF request),
and a whole `GET /api/me` through Django's test client with MeApi authenticating that way.
CPU is time.process_time() (Django, the driver, the client; not the database server);
queries are counted with CaptureQueriesContext on one call of each.

    DATABASE_URL=mysql://root@127.0.0.1:3306/tg_bench .venv/bin/python bench/auth_cost.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODES = ("simplejwt", "session")


def run(*, n: int = 500, rounds: int = 5) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.request import Request
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.authentication import SessionJWTAuthentication
    from accounts.models import User
    from accounts.tokens import session_start
    from privacy.apis import MeApi  # the view serving /api/me

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(
        username="bench-auth", defaults={"email": "bench-auth@example.com"}
    )
    user.set_password("bench-auth-not-a-real-password")
    user.save()
    tokens = {
        "simplejwt": str(AccessToken.for_user(user)),
        "session": session_start(user=user, now=timezone.now()).access,
    }
    authenticators = {"simplejwt": JWTAuthentication(), "session": SessionJWTAuthentication()}
    classes = {"simplejwt": [JWTAuthentication], "session": [SessionJWTAuthentication]}
    factory, client = RequestFactory(), Client()
    requests_ = {
        mode: Request(factory.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens[mode]}"))
        for mode in MODES
    }
    original = MeApi.authentication_classes

    def authenticate(mode: str) -> None:
        found = authenticators[mode].authenticate(requests_[mode])
        if found is None or found[0].pk != user.pk:
            raise SystemExit(f"{mode}: the token did not authenticate")

    def whole_request(mode: str) -> None:
        MeApi.authentication_classes = classes[mode]
        response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens[mode]}")
        if response.status_code != 200:
            raise SystemExit(f"GET /api/me ({mode}) answered {response.status_code}")

    steps = {"authentication": authenticate, "GET /api/me": whole_request}
    queries: dict[str, dict[str, int]] = {step: {} for step in steps}
    cpu: dict[str, dict[str, list[float]]] = {step: {m: [] for m in MODES} for step in steps}
    wall: dict[str, dict[str, list[float]]] = {step: {m: [] for m in MODES} for step in steps}
    try:
        for step, call in steps.items():
            for mode in MODES:
                for _ in range(50):  # warm: connection, imports, caches
                    call(mode)
                with CaptureQueriesContext(connection) as captured:
                    call(mode)
                queries[step][mode] = len(captured.captured_queries)
        for _ in range(rounds):
            for step, call in steps.items():
                for mode in MODES:
                    started_cpu, started = time.process_time(), time.perf_counter()
                    for _ in range(n):
                        call(mode)
                    cpu[step][mode].append((time.process_time() - started_cpu) / n)
                    wall[step][mode].append((time.perf_counter() - started) / n)
    finally:
        MeApi.authentication_classes = original
    return {
        "database": connection.vendor,
        "n": n,
        "rounds": rounds,
        "steps": {
            step: {
                mode: {
                    "queries": queries[step][mode],
                    "cpu_us": statistics.median(cpu[step][mode]) * 1e6,
                    "wall_us": statistics.median(wall[step][mode]) * 1e6,
                    "cpu_us_rounds": [round(x * 1e6, 1) for x in cpu[step][mode]],
                }
                for mode in MODES
            }
            for step in steps
        },
    }


def lines(figures: dict[str, Any]) -> list[str]:
    """The report's table (bench/report.py)."""
    out = [
        f"## Authentication per request: session check vs simplejwt ({figures['database']})",
        "",
        "The baseline is simplejwt's JWTAuthentication (signature, then the user by id); "
        "`session` is accounts.authentication (signature, then the token's session joined "
        "with its user, and the checks: session not ended, user active, password unchanged). "
        f"Medians of {figures['rounds']} interleaved rounds of {figures['n']} calls; CPU is "
        "this process's (`time.process_time`), not the database server's.",
        "",
        "| step | mode | queries | CPU µs | wall µs | session - simplejwt, CPU µs |",
        "|---|---|---|---|---|---|",
    ]
    for step, modes in figures["steps"].items():
        extra = modes["session"]["cpu_us"] - modes["simplejwt"]["cpu_us"]
        for mode, row in modes.items():
            diff = f"{extra:+.0f}" if mode == "session" else ""
            out.append(
                f"| {step} | {mode} | {row['queries']} | {row['cpu_us']:.0f} | "
                f"{row['wall_us']:.0f} | {diff} |"
            )
    return [*out, ""]


def main() -> None:
    from bench.common import setup_django

    setup_django(os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"))
    figures = run(
        n=int(os.environ.get("BENCH_N", "500")), rounds=int(os.environ.get("BENCH_ROUNDS", "5"))
    )
    print("\n".join(lines(figures)))


if __name__ == "__main__":
    main()
