"""When a queued message is sent: after the commit that queued it, outside the request.

On Lambda the send is a Zappa asynchronous task (another invocation of the function, so
the traveler's answer never waits on the provider). Elsewhere (`make run`, the tests) it
runs in this process: inside a request, after the response is finished; outside one (a
command, a scheduled job), at once. Either way a lost send is picked up by the retry job.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import transaction

if TYPE_CHECKING:
    from notifications.models import Message

_local = threading.local()
logger = logging.getLogger(__name__)


def send_after_commit(message_id: int, *, queued: Message | None = None) -> None:
    """Send the message once the caller's transaction commits; `queued`: the row as just
    written, if the send in this process may start from it (message_send)."""
    transaction.on_commit(lambda: _dispatch(message_id, queued))


def _dispatch(message_id: int, queued: Message | None = None) -> None:
    if settings.NOTIFICATIONS_DISPATCH == "zappa":
        from notifications.tasks import message_send_task

        try:
            message_send_task(message_id)
        except Exception:
            # Lambda would not take the task (throttled, down): the row stays pending and
            # the retry job sends it; the traveler's answer must not fail for it.
            logger.exception("message %s: the send task was not started", message_id)
        return
    waiting = getattr(_local, "waiting", None)
    if waiting is not None:  # inside a request: after its response
        waiting.append((message_id, queued))
        return
    _send_now([(message_id, queued)])


def _send_now(messages: list[tuple[int, Message | None]]) -> None:
    from notifications.services import message_send

    for message_id, queued in messages:
        try:
            message_send(message_id, queued=queued)
        except Exception:
            # A database hiccup after the response: the retry job sends it later.
            logger.exception("message %s: not sent now, left for the retry job", message_id)


def _request_started(**_kwargs: object) -> None:
    _local.waiting = []


def _request_finished(**_kwargs: object) -> None:
    waiting = getattr(_local, "waiting", None)
    _local.waiting = None
    if waiting:
        _send_now(waiting)


def connect_request_hooks() -> None:
    """Django's own request signals mark a request's start and end (the response has been
    written when `request_finished` fires): plumbing, not business logic."""
    request_started.connect(_request_started, dispatch_uid="notifications.request_started")
    request_finished.connect(_request_finished, dispatch_uid="notifications.request_finished")
