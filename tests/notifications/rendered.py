"""What a queued message says, before or after its send: rendering moved to the send, so
a test that has not run the send (no commit in a `db` test) asks for the same render the
send would store (`message_content`, what staff see), never a weaker check; or for what
the traveler receives (`as_sent`: with its one-time links, which nothing stores)."""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import Message
from notifications.services import _content_sent, message_content


@dataclass(frozen=True)
class Rendered:
    subject: str
    text_body: str
    html_body: str
    attachments: list[dict[str, str]]


def rendered(message: Message) -> Rendered:
    message.refresh_from_db()
    return Rendered(*message_content(message))


def as_sent(message: Message) -> Rendered:
    """What the traveler receives for `message`: the email the provider was given (Django's
    test outbox) once it was sent, else what its send will give it (with its one-time
    links, which no row keeps after the send)."""
    from django.core import mail

    message.refresh_from_db()
    for email in reversed(mail.outbox):
        # Our Message-ID is <...{pk}@travelguru> (notifications.sending).
        if email.extra_headers.get("Message-ID", "").split("@")[0].split(".")[-1] == str(
            message.pk
        ):
            html = next((body for body, kind in getattr(email, "alternatives", [])
                         if kind == "text/html"), "")  # fmt: skip
            return Rendered(str(email.subject), str(email.body), str(html), [])
    return Rendered(*_content_sent(message))
