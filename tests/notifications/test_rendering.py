"""Every kind of message renders in English, French and Spanish: subject, text and HTML,
with money written the language's way and times on the place's clock with their offset."""

from __future__ import annotations

import pytest

from notifications.kinds import KINDS
from notifications.services import message_render
from tests.notifications.samples import CONTEXTS

LANGUAGES = ["en", "fr", "es"]
OWNED = sorted(CONTEXTS)
# How 1,234.50 EUR reads in each language (Django's formats; no-break spaces).
EUROS = {"en": "EUR\u00a01,234.50", "fr": "1\u00a0234,50\u00a0EUR", "es": "1\u00a0234,50\u00a0EUR"}


def test_every_kind_owned_here_has_a_sample_and_templates():
    assert set(OWNED) <= set(KINDS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", OWNED)
def test_each_kind_renders_in_each_language(kind, language):
    subject, text, html, _attachments = message_render(
        kind=kind, language=language, context=CONTEXTS[kind]
    )
    english, *_ = message_render(kind=kind, language="en", context=CONTEXTS[kind])

    assert subject
    assert "\n" not in subject
    assert text.strip()
    assert html.strip()
    assert f'<html lang="{language}">' in html
    if language != "en":
        assert subject != english  # translated, not left in English
    assert "{%" not in text + html
    assert "{{" not in text + html


@pytest.mark.parametrize("language", LANGUAGES)
def test_money_reads_as_the_language_writes_it(language):
    _subject, text, html, _ = message_render(
        kind="booking_confirmed", language=language, context=CONTEXTS["booking_confirmed"]
    )
    assert EUROS[language] in text
    assert EUROS[language] in html


def test_times_are_the_places_own_with_their_offsets():
    _subject, text, _html, _ = message_render(
        kind="booking_confirmed", language="en", context=CONTEXTS["booking_confirmed"]
    )
    # the flight leaves at 14:30 in Paris (UTC+1) and lands at 17:05 in New York (UTC-4)
    assert "2:30 p.m. (UTC+01:00, Europe/Paris)" in text
    assert "5:05 p.m. (UTC-04:00, America/New_York)" in text


def test_french_dates_are_in_french():
    _subject, text, _html, _ = message_render(
        kind="trip_reminder", language="fr", context=CONTEXTS["trip_reminder"]
    )
    assert "20 mars 2027 14:30 (UTC+01:00, Europe/Paris)" in text
    assert "Votre voyage commence par AF 006" in text


def test_a_hold_with_one_minute_left_says_minute():
    context = {**CONTEXTS["hold_expiring"], "minutes_left": 1}
    subjects = {
        lang: message_render(kind="hold_expiring", language=lang, context=context)[0]
        for lang in LANGUAGES
    }
    assert subjects["en"] == "Your held trip expires in 1 minute"
    assert subjects["es"] == "Su viaje retenido caduca en 1 minuto"
