"""gunicorn workers whose own error answers are application/problem+json, like the API's.

gunicorn answers some requests itself, before Django sees them: a request line over
`limit_request_line` (414), too many or too large header fields (431), a malformed request
line, method, version or header (400), a transfer coding it does not support (501), an
application that failed to start a response (500). It writes those as a small HTML page
(gunicorn.util.write_error, called only from Worker.handle_error). These workers write the
same status as a problem instead; the detail is fixed per status and never echoes the
request (a request line may carry anything, card numbers included).

Use with `--worker-class travelguru.gunicorn_worker.ProblemThreadWorker` (with --threads)
or `...ProblemSyncWorker`. Only gunicorn imports this module: Lambda never does.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

# Kept in step with travelguru.errors (not imported: this module loads before Django).
PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://travelguru.example/problems/"

_PROBLEMS = {
    400: ("bad-request", "Bad request", "The request line or a header is malformed."),
    403: ("forbidden", "Forbidden", "The request was refused."),
    414: (
        "uri-too-long",
        "URI too long",
        "The request line is longer than the server accepts; send parameters in fewer bytes.",
    ),
    417: ("expectation-failed", "Expectation failed", "The Expect header cannot be met."),
    431: (
        "request-header-fields-too-large",
        "Request header fields too large",
        "The request carries more header fields, or longer ones, than the server accepts.",
    ),
    501: (
        "not-implemented",
        "Not implemented",
        "The request uses a transfer coding the server does not support.",
    ),
}
_INTERNAL = ("internal", "Internal error", "Something went wrong on our side.")


def problem_bytes(status_int: int) -> bytes:
    code, title, detail = _PROBLEMS.get(status_int, _INTERNAL)
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status_int,
        "detail": detail,
        "code": code,
    }
    return json.dumps(body).encode("ascii")


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error's signature and wire format, with a problem body."""
    body = problem_bytes(status_int)
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class _ProblemErrors:
    def init_process(self) -> None:
        # Worker.handle_error is gunicorn's only caller of util.write_error; this runs in
        # the worker process (after the fork), so the master and other worker classes
        # keep gunicorn's own page.
        util.write_error = write_problem
        super().init_process()  # type: ignore[misc]  # runs the worker loop


class ProblemThreadWorker(_ProblemErrors, ThreadWorker):
    """gunicorn's gthread worker (the one --threads N picks) with problem+json errors."""


class ProblemSyncWorker(_ProblemErrors, SyncWorker):
    """gunicorn's sync worker with problem+json errors."""
