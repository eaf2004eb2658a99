"""gunicorn's own error answers (414, 431, 400) are problem+json with the project's worker.

A real gunicorn, started as `make run` starts it (travelguru.gunicorn_worker's threaded
worker), spoken to over a raw socket: the test client cannot send what gunicorn refuses.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

WORKER = "travelguru.gunicorn_worker.ProblemThreadWorker"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "travelguru.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('gunicorn')}/db.sqlite3",
    }
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "gunicorn", "travelguru.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2", "--worker-class", WORKER],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stderr.read().decode()[-2000:])  # type: ignore[union-attr]
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _send(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def _assert_problem(answer, status: int, code: str) -> dict:
    got, headers, body = answer
    assert got == status, body[:300]
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["title"]
    return problem


def test_a_request_line_over_the_limit_is_a_414_problem(gunicorn):
    card = "4242424242424242"
    line = f"GET /api/hotels/search?card={card}&q={'a' * 5000} HTTP/1.1\r\n"

    answer = _send(gunicorn, (line + "Host: 127.0.0.1\r\nConnection: close\r\n\r\n").encode())

    problem = _assert_problem(answer, 414, "uri-too-long")
    assert card not in json.dumps(problem)  # nothing of the request is echoed


def test_too_many_header_fields_is_a_431_problem(gunicorn):
    headers = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(150))

    answer = _send(gunicorn, f"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())

    _assert_problem(answer, 431, "request-header-fields-too-large")


@pytest.mark.parametrize(
    "raw",
    [
        b"NOT A REQUEST\r\n\r\n",
        b"GET /api/ HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /api/ HTTP/1.1\r\nBad Header\r\n\r\n",
    ],
    ids=["request-line", "version", "header"],
)
def test_a_malformed_request_is_a_400_problem(gunicorn, raw):
    _assert_problem(_send(gunicorn, raw), 400, "bad-request")


def test_ordinary_requests_still_reach_django(gunicorn):
    request = b"GET /api/hotels/null,null HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    answer = _send(gunicorn, request)

    _assert_problem(answer, 404, "not-found")
