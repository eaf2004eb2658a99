"""The kinds of message: each is a folder of templates, and may build attachments.

`templates/notifications/<kind>/subject.txt`, `body.txt` and `body.html` are rendered with
the caller's context under the message's language. A kind that sends files (a calendar
for a booking) registers a builder here: `attachments(context) -> [Attachment]`, run with
the templates by the message's first send, which stores them: what is stored is what is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    mimetype: str
    content: str  # text only: stored in the message row as it is sent


AttachmentsBuilder = Callable[[Mapping[str, object]], list[Attachment]]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    attachments: AttachmentsBuilder | None = None
    # Context keys that are one-time credentials (a password reset link): kept apart from
    # the context (`Message.secrets`) only until the message's send is over, never in a
    # stored render, never shown to staff (`notifications.services`).
    secrets: tuple[str, ...] = ()

    def template(self, part: str) -> str:
        return f"notifications/{self.name}/{part}"


def _booking_calendar(context: Mapping[str, object]) -> list[Attachment]:
    from notifications.ics import booking_calendar

    return [booking_calendar(context)]


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind("booking_confirmed", attachments=_booking_calendar),
        Kind("booking_cancelled"),
        Kind("refund_issued"),
        Kind("hold_expiring"),
        Kind("trip_reminder"),
        Kind("review_invitation"),
        # Accounts' emailed links (accounts.registration).
        Kind("verify_email", secrets=("verify_url",)),
        Kind("register_attempt"),
        Kind("password_reset", secrets=("reset_url",)),
        # Templates and their translations live with reviews, which owns the message.
        Kind("review_reply"),
    ]
}


class UnknownKind(LookupError):
    pass


def kind_get(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None
