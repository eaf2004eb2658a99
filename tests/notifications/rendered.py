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
    """What the send gives the provider for `message` while it may still be sent."""
    message.refresh_from_db()
    return Rendered(*_content_sent(message))
