"""No log line holds a card number or a credential carried in a URL (travelguru.log_masking).

The request guard refuses such requests; these tests prove the last line of defence: every
log record, gunicorn's access log (`make run`) and Zappa's access line (Lambda) mask them.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from travelguru.card_numbers import CARD_MASK, luhn_valid
from travelguru.log_masking import SECRET_MASK, mask_sensitive

CARD_DIGITS = "4242424242424242"


def luhn_card(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


ENCODINGS = {
    "as is": lambda text: text,
    "percent": lambda text: quote(text, safe=""),
    "plus": quote_plus,
    "every byte": lambda text: "".join(f"%{b:02X}" for b in text.encode()),
}


@given(
    body=st.text(alphabet="0123456789", min_size=12, max_size=18),
    separator=st.sampled_from(["", " ", "-", ".", "\u00a0", " - "]),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    before=st.sampled_from(['"GET /api/x?q=', "Referer: https://a.example/?n=", "name=", "("]),
    after=st.sampled_from([' HTTP/1.1" 400 12', "&page=2", ")", ""]),
)
def test_a_card_is_masked_in_any_line_however_it_is_written(
    body, separator, encoding, before, after
):
    digits = luhn_card(body)
    card = separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    line = before + ENCODINGS[encoding](card) + after

    masked = mask_sensitive(line)

    assert CARD_MASK in masked
    assert masked.startswith(before)
    assert masked.endswith(after)
    assert digits not in "".join(ch for ch in masked if ch.isdigit())


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1 - - [06/Dec/2026:13:25:41 +0000] "GET /api/hotels/search?city=Paris&page=2 '
        'HTTP/1.1" 200 5120 "-" "Mozilla/5.0"',
        "2026-12-06 13:25:41,812 WARNING django.request Not Found: /api/holds/"
        "3f2b1c7e-8a9d-4e6f-b0c1-123456789012",
        "order 12345678901234567890123, phone +44 20 7946 0958, price 129.00 EUR",
        "100% sure, 1+1=2",
    ],
)
def test_lines_without_cards_or_credentials_are_left_as_they_are(line):
    assert mask_sensitive(line) == line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /cb?access_token=eyJ.abc-def&page=2", f"GET /cb?access_token={SECRET_MASK}&page=2"),
        ("GET /x?token=abc HTTP/1.1", f"GET /x?token={SECRET_MASK} HTTP/1.1"),
        ("/x?a=1&refresh=eyJ", f"/x?a=1&refresh={SECRET_MASK}"),
        ("/x?access%5Ftoken=abc&b=2", f"/x?access%5Ftoken={SECRET_MASK}&b=2"),
        ("/x?Password=hunter2", f"/x?Password={SECRET_MASK}"),
        ("/x?tokens=1&my_token_count=3", "/x?tokens=1&my_token_count=3"),
    ],
)
def test_credentials_in_urls_are_masked(line, expected):
    assert mask_sensitive(line) == expected


def test_every_log_record_is_masked_whoever_logs_it(caplog):
    caplog.set_level(logging.INFO)
    log = logging.getLogger("any.library")

    log.warning("Not Found: %s", "/api/bookings/4242 4242 4242 4242")
    log.info("callback /cb?access_token=%s", "eyJsecret")
    try:
        raise ValueError(f"bad value {CARD_DIGITS}")
    except ValueError:
        log.exception("failed")

    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert CARD_DIGITS not in text.replace(" ", "")
    assert "eyJsecret" not in text
    assert caplog.records[0].getMessage() == f"Not Found: /api/bookings/{CARD_MASK}"
    assert "ValueError: bad value [card number removed]" in caplog.records[2].exc_text


def test_the_handler_filter_masks_records_made_elsewhere():
    from travelguru.log_masking import MaskingFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "n=%s", (CARD_DIGITS,), None)
    record._masked = False  # made before the factory was installed

    assert MaskingFilter().filter(record)
    assert record.getMessage() == f"n={CARD_MASK}"


def test_zappas_access_line_on_lambda_is_masked(caplog):
    from zappa.wsgi import common_log

    caplog.set_level(logging.INFO)
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/api/hotels/search",
        "QUERY_STRING": "n=4242+4242+4242+4242&access_token=eyJsecret",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": "https://travelguru.example/?n=4242%204242%204242%204242",
        "HTTP_USER_AGENT": f"curl/8 {CARD_DIGITS}",
    }  # fmt: skip

    common_log(environ, SimpleNamespace(status_code=400, content=b"{}"), response_time=900)

    (line,) = [r.getMessage() for r in caplog.records if r.name == "zappa.wsgi"]
    assert "4242" not in line
    assert "eyJsecret" not in line
    assert line.count(CARD_MASK) == 3


def test_gunicorns_access_and_error_lines_are_masked(tmp_path):
    from gunicorn.config import Config

    from travelguru.gunicorn_conf import MaskingLogger, access_log_format

    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("access_log_format", access_log_format)
    logger = MaskingLogger(config)
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": "/?n=%34%32%34%32%34%32%34%32%34%32%34%32%34%32%34%32",
        "PATH_INFO": "/", "QUERY_STRING": "n=...", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://a.example/cb?access_token=eyJsecret",
        "HTTP_USER_AGENT": "4242-4242-4242-4242",
    }  # fmt: skip

    logger.access(SimpleNamespace(status="400 Bad Request", sent=10, headers=[]),
                  SimpleNamespace(headers=[]), environ, timedelta(milliseconds=2))  # fmt: skip
    logger.exception("Error handling request /?n=%s", "4242 4242 4242 4242")

    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert access.count(CARD_MASK) == 2
    assert f"access_token={SECRET_MASK}" in access
    assert "4242" not in access + errors
    assert "eyJsecret" not in access


@pytest.fixture
def served(tmp_path):
    """`make run`'s gunicorn command line with its config, on a free port. Refused requests
    answer before any database is touched, so an empty SQLite file is enough."""
    import os

    import requests

    from tests.reliability.live import ROOT, free_port

    port, log = free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "travelguru.settings.test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "gunicorn", "travelguru.wsgi",
             "-c", "python:travelguru.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=15)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start: {log.read_text()}") from None
                time.sleep(0.2)
        yield SimpleNamespace(url=url, log=log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_make_runs_access_log_holds_no_card_and_no_token(served):
    import requests

    answers = [
        requests.get(f"{served.url}/api/hotels/search?city=4242+4242+4242+4242", timeout=5),
        requests.get(
            f"{served.url}/?n=%34%32%34%32%34%32%34%32%34%32%34%32%34%32%34%32", timeout=5
        ),  # fmt: skip
        requests.get(f"{served.url}/admin/?access_token=eyJsecret&n={CARD_DIGITS}", timeout=5),
        requests.get(
            f"{served.url}/api/",
            timeout=5,
            headers={
                "Referer": f"https://a.example/?n={CARD_DIGITS}",
                "User-Agent": "4242 4242 4242 4242",
            },
        ),  # fmt: skip
    ]
    served_log = ""
    deadline = time.monotonic() + 10
    while served_log.count('" 400 ') < len(answers) and time.monotonic() < deadline:
        time.sleep(0.1)  # gunicorn writes the line after the answer
        served_log = served.log.read_text()

    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert all(a.headers["Content-Type"] == "application/problem+json" for a in answers)
    assert served_log.count(CARD_MASK) >= 5, served_log
    assert "4242" not in served_log
    assert "eyJsecret" not in served_log
