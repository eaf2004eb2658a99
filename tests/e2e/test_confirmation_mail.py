"""A traveler books in the browser, and their confirmation arrives over SMTP at the local
sink (the one `make run` starts), with its calendar file; it reads well in Chromium."""

from __future__ import annotations

import email
import re
import socket
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from tests.e2e.conftest import RESULTS
from tests.e2e.test_journeys import hold_a_car
from tests.factories.accounts import UserFactory

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_sink(tmp_path, settings):
    """scripts/mail_sink.py's handler on a free loopback port; Django's SMTP backend at it."""
    import importlib.util

    from aiosmtpd.controller import Controller
    from django.conf import settings as django_settings

    spec = importlib.util.spec_from_file_location(
        "mail_sink", Path(django_settings.BASE_DIR) / "scripts" / "mail_sink.py"
    )
    assert spec is not None
    assert spec.loader is not None
    sink = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sink)
    SaveToFolder = sink.SaveToFolder  # noqa: N806

    port = _free_port()
    controller = Controller(SaveToFolder(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield tmp_path
    controller.stop()


def _received(folder: Path, reference: str) -> EmailMessage:
    for _ in range(40):
        for path in sorted(folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if reference in str(message["Subject"]):
                assert isinstance(message, EmailMessage)
                return message
        time.sleep(0.25)
    raise AssertionError(f"no confirmation of {reference} reached the sink")


def test_a_trip_booked_in_the_browser_is_confirmed_by_mail_with_its_calendar(
    live_server, trip, open_page, browser, mail_sink
):
    # given a traveler who holds a car in the browser
    user = UserFactory.create(email="lin@example.com")
    page, _ = open_page()
    hold_a_car(page, live_server.url, trip, user.email)

    # when they pay for it
    page.get_by_role("link", name="Continue to checkout").click()
    traveler = page.locator("fieldset.traveler")
    traveler.get_by_label("First name").fill("Lin")
    traveler.get_by_label("Last name").fill("Wu")
    traveler.get_by_label("Birth date").fill("1990-01-01")
    page.get_by_label(re.compile("Visa")).check()
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page).to_have_url(re.compile(r"/trips/TG-"))
    booking = Booking.objects.get()

    # then the confirmation arrives at the sink: text, HTML and the trip's calendar
    message = _received(mail_sink, booking.reference)
    assert message["To"] == "lin@example.com"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert "Lin Wu" in text.get_content()
    assert html is not None
    calendars = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert [p.get_filename() for p in calendars] == [f"{booking.reference}.ics"]
    cal = icalendar.Calendar.from_ical(calendars[0].get_content())
    event = cal.walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.items.get().service_start

    # and it reads as the traveler will see it (in a page of its own: a mail reader's, not
    # under the site's CSP, which refuses the inline styles mail needs)
    reader = browser.new_page()
    try:
        reader.set_content(html.get_content())
        expect(reader.locator("h1")).to_contain_text(booking.reference)
        RESULTS.mkdir(parents=True, exist_ok=True)
        reader.screenshot(path=str(RESULTS / "confirmation-mail.png"), full_page=True)
    finally:
        reader.close()
