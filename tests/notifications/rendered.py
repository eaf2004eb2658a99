"""What a queued message says, before or after its send: rendering moved to the send, so
a test that has not run the send (no commit in a `db` test) asks for the same render the
send would store (`message_content`), never a weaker check."""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import Message
from notifications.services import message_content


@dataclass(frozen=True)
class Rendered:
    subject: str
    text_body: str
    html_body: str
    attachments: list[dict[str, str]]


def rendered(message: Message) -> Rendered:
    message.refresh_from_db()
    return Rendered(*message_content(message))
