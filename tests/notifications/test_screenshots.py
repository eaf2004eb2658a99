"""Each kind's HTML as a mail reader shows it: rendered in Chromium, one screenshot per kind
and language in test-results/notifications/ (looked at by people; the test asserts the
page lays out without sideways scrolling at a phone's width)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from notifications.services import message_render
from tests.notifications.samples import CONTEXTS

RESULTS = Path(settings.BASE_DIR) / "test-results" / "notifications"


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_every_kind_of_message_renders_in_a_browser(browser, language):
    RESULTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        for kind, context in sorted(CONTEXTS.items()):
            _subject, _text, html, _ = message_render(kind=kind, language=language,
                                                      context=context)  # fmt: skip
            page.set_content(html)
            assert page.evaluate("document.documentElement.lang") == language
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{kind} ({language}) scrolls sideways: {width}px"
            page.screenshot(path=str(RESULTS / f"{kind}-{language}.png"), full_page=True)
    finally:
        page.close()
