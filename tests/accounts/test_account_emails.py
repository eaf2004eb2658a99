"""Accounts' three emails read in the traveler's language, in text and HTML, with their link."""

from __future__ import annotations

import pytest

from notifications.services import message_render

CONTEXTS: dict[str, dict[str, object]] = {
    "verify_email": {
        "first_name": "Ada", "valid_days": 3,
        "verify_url": "https://t.example/verify-email?token=T",
    },
    "register_attempt": {
        "first_name": "Ada", "sign_in_url": "https://t.example/signin",
        "reset_url": "https://t.example/forgot-password?email=a%40b.c",
    },
    "password_reset": {
        "has_account": True, "first_name": "Ada",
        "reset_url": "https://t.example/reset-password?uid=MQ&token=T", "valid_minutes": 60,
    },
}  # fmt: skip
GREETING = {"en": "Hello Ada,", "fr": "Bonjour Ada,", "es": "Hola, Ada:"}
FOOTER = {
    "en": "because this email address was entered on TravelGuru",
    "fr": "parce que cette adresse e-mail a été saisie sur TravelGuru",
    "es": "porque esta dirección de correo se escribió en TravelGuru",
}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("kind", list(CONTEXTS))
def test_each_email_is_in_the_travelers_language_with_its_link(kind, language):
    subject, text, html, attachments = message_render(
        kind=kind, language=language, context=CONTEXTS[kind]
    )

    english, _, _, _ = message_render(kind=kind, language="en", context=CONTEXTS[kind])
    assert (subject != english) == (language != "en")
    assert text.lstrip().startswith(GREETING[language])
    assert GREETING[language] in html
    assert FOOTER[language] in html
    link = next(str(v) for k, v in CONTEXTS[kind].items() if k.endswith("_url"))
    assert link in text
    assert link.replace("&", "&amp;") in html
    assert attachments == []


def test_an_address_without_an_account_is_told_so_without_a_reset_link():
    _, text, html, _ = message_render(
        kind="password_reset", language="fr",
        context={"has_account": False, "first_name": "", "register_url": "https://t.example/signup"},
    )  # fmt: skip

    assert text.lstrip().startswith("Bonjour,")
    assert "aucun compte ne s'y connecte" in text
    assert "reset-password" not in text + html
    assert "https://t.example/signup" in html
