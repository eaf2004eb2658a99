"""The outbox: queue a message in the caller's transaction, send it after the commit.

A message is written in the caller's transaction with its kind, language and context, so
it exists exactly when what it tells of does (a booking rolled back queues nothing). The
send is scheduled on commit (`notifications.dispatch`), outside the request: it renders the
templates and attachments, stores them on the row (what staff see is what was sent), then
calls the provider; one that is down leaves the row pending for the retry job, with
exponential backoff, and a retry sends what was rendered the first time.

A kind's one-time credentials (`Kind.secrets`: a password reset or verification link) are
the exception to "what is stored is what was sent": they are kept apart from the context
(`Message.secrets`) while the message may still be sent, merged in by each send, which
renders such a message anew with them (its stored render shows them masked), and emptied
in the same UPDATE that ends its sending (sent, failed, suppressed; the retry job sweeps
any other road). Staff see it with the link replaced (`ONE_TIME_LINK_SHOWN`), and cannot
resend it: the traveler asks for a new link.

One sender at a time: a row is claimed by a conditional UPDATE (pending -> sending, the
render stored with it) before the provider is called, so a retry racing a first send, or
two retry jobs, send it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower, Trim
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.context import context_dump, context_load
from notifications.kinds import kind_get
from notifications.models import Message, MessageStatus, SuppressedAddress

MAX_ATTEMPTS = 8
# Retries wait 1, 2, 4, ... minutes, at most an hour apart: about two hours in all before
# a message is given up as failed.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# A claim older than this is from a sender that died mid-send: the row goes back to pending.
# Far above any send's time (the SMTP and SES timeouts are seconds).
CLAIM_ABANDONED_AFTER = timedelta(minutes=10)
# What staff see in place of a one-time link (`Kind.secrets`), before and after the send.
ONE_TIME_LINK_SHOWN = "(one-time link, not shown)"
_SENDING_OVER = (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.SUPPRESSED)


def language_pick(*candidates: str | None) -> str:
    """The first candidate that is one of the site's languages (a region is dropped:
    `fr-CA` is French), else the default language."""
    known = {code for code, _name in settings.LANGUAGES}
    for candidate in candidates:
        code = (candidate or "").strip().lower().replace("_", "-").split("-")[0]
        if code in known:
            return code
    return str(settings.LANGUAGE_CODE)


def message_render(
    *, kind: str, language: str, context: Mapping[str, object]
) -> tuple[str, str, str, list[dict[str, str]]]:
    """Subject, text body, HTML body and attachments of a kind, in `language`."""
    spec = kind_get(kind)
    with translation.override(language):
        subject = " ".join(render_to_string(spec.template("subject.txt"), dict(context)).split())
        text = render_to_string(spec.template("body.txt"), dict(context))
        html = render_to_string(spec.template("body.html"), dict(context))
        attachments = [asdict(a) for a in spec.attachments(context)] if spec.attachments else []
    return subject[:255], text, html, attachments


def queue_message(
    *,
    kind: str,
    to_email: str,
    language: str,
    context: Mapping[str, object],
    user: Any = None,
    booking: Any = None,
    now: datetime | None = None,
) -> Message:
    """Write the message (kind, language, context) in the caller's transaction; the send,
    which renders it, is scheduled for after its commit. Never renders, never sends.

    UnknownKind or ContextNotSerializable here, in the caller's transaction, rather than
    at the send: a message that could never be rendered is not queued."""
    from notifications import dispatch

    spec = kind_get(kind)
    dumped = context_dump(context)
    secrets = {key: dumped.pop(key) for key in spec.secrets if key in dumped}
    message = Message.objects.create(
        to_email=to_email,
        user=user,
        booking=booking,
        kind=kind,
        language=language_pick(language),
        context=dumped,
        secrets=secrets,
        created_at=now or timezone.now(),
    )
    dispatch.send_after_commit(message.pk, queued=message)
    return message


def message_content(message: Message) -> tuple[str, str, str, list[dict[str, str]]]:
    """What `message` sends, as staff may see it: as stored once rendered, else rendered
    now from its context (nothing saved: the admin's view of a message not sent yet, the
    tests); a one-time link (`Kind.secrets`) is shown as `ONE_TIME_LINK_SHOWN`."""
    if message.rendered_at is not None:
        return message.subject, message.text_body, message.html_body, message.attachments
    hidden = dict.fromkeys(kind_get(message.kind).secrets, ONE_TIME_LINK_SHOWN)
    return message_render(
        kind=message.kind,
        language=message.language,
        context=context_load(message.context) | hidden,
    )


def _content_sent(message: Message) -> tuple[str, str, str, list[dict[str, str]]]:
    """What the provider is given: `message_content`, with the one-time links themselves."""
    if not kind_get(message.kind).secrets:
        return message_content(message)
    context = context_load(message.context) | context_load(message.secrets)
    return message_render(kind=message.kind, language=message.language, context=context)


def resend(message: Message, *, by_user: Any, reason: str, now: datetime | None = None) -> Message:
    """Queue a copy of `message` (same content, same address) and record who asked and
    why, in the copy and in the audit trail. The copy is sent like any new message (one
    never rendered, e.g. suppressed before its send, is rendered by the copy's send)."""
    from audit.services import audit_record
    from notifications import dispatch

    if not reason.strip():
        raise ValueError("a resend needs a reason")
    if kind_get(message.kind).secrets:
        raise ValueError(
            "this message carried a one-time link, which is not kept: the traveler asks for "
            "a new one"
        )
    now = now or timezone.now()
    with transaction.atomic():
        copy = Message.objects.create(
            to_email=message.to_email,
            user_id=message.user_id,
            booking_id=message.booking_id,
            kind=message.kind,
            language=message.language,
            subject=message.subject,
            text_body=message.text_body,
            html_body=message.html_body,
            attachments=message.attachments,
            rendered_at=message.rendered_at,
            context=message.context,
            created_at=now,
            resent_from=message,
            resent_by=by_user,
            resend_reason=reason,
        )
        audit_record(
            actor=by_user,
            action="message.resend",
            target=message,
            now=now,
            reason=reason,
            details={"kind": message.kind, "status": message.status, "copy": copy.pk},
        )
        dispatch.send_after_commit(copy.pk)
    return copy


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _suppressed() -> Exists:
    """Whether a message's address bounced or complained (OuterRef: the message)."""
    return Exists(SuppressedAddress.objects.filter(email=Lower(Trim(OuterRef("to_email")))))


def _message_due(message_id: int, *, now: datetime) -> Message | None:
    """The message if it is pending and due, with `suppressed` (its address bounced or
    complained), in one read; None when it is not (sent, taken, not due, gone)."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    try:
        return (
            Message.objects.annotate(suppressed=_suppressed())
            .filter(due, pk=message_id, status=MessageStatus.PENDING)
            .get()
        )
    except Message.DoesNotExist:
        return None


def _message_take(
    message: Message, *, now: datetime, unsuppressed: bool = False, **changes: Any
) -> bool:
    """Move the row from the state `message` was read in to `changes`, or say another
    sender moved it first (with `unsuppressed`, or that its address is suppressed).

    One conditional UPDATE in autocommit: of any number of senders at once (the send after
    commit, the retry job, two retry jobs), the database lets exactly one move the row on
    from pending and due, with the attempts (and the render, if this sender made it) it
    was read with; the others change nothing."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    taken = Message.objects.filter(
        due, pk=message.pk, status=MessageStatus.PENDING, attempts=message.attempts
    )
    if message.rendered_at is None:
        taken = taken.filter(rendered_at__isnull=True)
    if unsuppressed:
        taken = taken.filter(~_suppressed())
    return bool(taken.update(**changes))


def message_send(
    message_id: int, *, now: datetime | None = None, queued: Message | None = None
) -> str | None:
    """Send one pending message if this caller wins its claim; returns its status after,
    or None when another sender has it or it is not due. A provider error never raises:
    the row goes back to pending with its next attempt later (or to failed at the end).

    The row is read first (with its address's suppression), rendered if it never was, and
    claimed with the render stored in the same UPDATE: a retry sends what was rendered the
    first time, and the send costs one read, the claim and its outcome.

    `queued`: the row as queue_message wrote it, sent by the process that queued it right
    after its commit (pending, never tried nor rendered). It stands in for the read: the
    claim itself requires the address not suppressed, and a claim refused sends the way
    any other does, from a read (suppressed, or another sender has it)."""
    from notifications.sending import ProviderRefused, deliver

    now = now or timezone.now()
    message = queued if queued is not None else _message_due(message_id, now=now)
    if message is None:
        return None
    unsuppressed = queued is not None
    if not unsuppressed and message.suppressed:  # type: ignore[attr-defined]  # the annotation
        taken = _message_take(
            message, now=now, status=MessageStatus.SUPPRESSED, claimed_at=None, secrets={}
        )
        return MessageStatus.SUPPRESSED if taken else None
    attempts = message.attempts + 1
    rendered: dict[str, Any] = {}  # stored with the claim: what staff will see
    sent: dict[str, Any] = {}  # what the provider is given, if not what is stored
    # A render that fails (a template broken by a deploy) is retried like a provider
    # outage, and ends as failed with its error for staff to see.
    try:
        if message.rendered_at is None:
            rendered = _render_fields(message_content(message), now=now)
        if kind_get(message.kind).secrets:
            # Rendered anew by each attempt with its links; stored with them shown masked.
            sent = _render_fields(_content_sent(message), now=now)
    except Exception as exc:  # noqa: BLE001 - any render failure is retried
        status = MessageStatus.FAILED if attempts >= MAX_ATTEMPTS else MessageStatus.PENDING
        taken = _message_take(
            message, now=now, unsuppressed=unsuppressed, status=status, attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000], claimed_at=None,
            next_attempt_at=now + _backoff(attempts), **_sending_over(status),
        )  # fmt: skip
        if not taken and unsuppressed:
            return message_send(message_id, now=now)
        return status if taken else None
    if not _message_take(
        message, now=now, unsuppressed=unsuppressed, status=MessageStatus.SENDING,
        claimed_at=now, **rendered,
    ):  # fmt: skip
        return message_send(message_id, now=now) if unsuppressed else None
    for name, value in (sent or rendered).items():
        setattr(message, name, value)
    try:
        provider_id = deliver(message)
    except ProviderRefused as exc:
        # Refused for good (an address the provider will not take): retrying cannot help.
        Message.objects.filter(pk=message_id).update(
            status=MessageStatus.FAILED, attempts=attempts, last_error=str(exc)[:2000],
            claimed_at=None, next_attempt_at=None, secrets={},
        )  # fmt: skip
        return MessageStatus.FAILED
    except Exception as exc:  # noqa: BLE001 - any provider or network failure is retried
        status = MessageStatus.FAILED if attempts >= MAX_ATTEMPTS else MessageStatus.PENDING
        Message.objects.filter(pk=message_id).update(
            status=status, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            claimed_at=None, next_attempt_at=now + _backoff(attempts), **_sending_over(status),
        )  # fmt: skip
        return status
    Message.objects.filter(pk=message_id).update(
        status=MessageStatus.SENT, attempts=attempts, provider_message_id=provider_id[:255],
        sent_at=timezone.now(), claimed_at=None, next_attempt_at=None, last_error="",
        secrets={},
    )  # fmt: skip
    return MessageStatus.SENT


def _render_fields(
    content: tuple[str, str, str, list[dict[str, str]]], *, now: datetime
) -> dict[str, Any]:
    subject, text, html, attachments = content
    return {"subject": subject, "text_body": text, "html_body": html,
            "attachments": attachments, "rendered_at": now}  # fmt: skip


def _sending_over(status: str) -> dict[str, Any]:
    """What an UPDATE to `status` also sets: a message no longer sent keeps no secret."""
    return {"secrets": {}} if status in _SENDING_OVER else {}


def messages_send_due(*, now: datetime, limit: int = 200) -> dict[str, int]:
    """The retry job: give abandoned claims back, then send every pending message that is
    due (a first send lost with its process, a provider outage), oldest first."""
    Message.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_ABANDONED_AFTER
    ).update(status=MessageStatus.PENDING, claimed_at=None)
    # One-time links of messages whose sending is over, by whatever road it ended.
    Message.objects.filter(status__in=_SENDING_OVER).exclude(secrets={}).update(secrets={})
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ids = list(
        Message.objects.filter(due, status=MessageStatus.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for message_id in ids:
        status = message_send(message_id, now=now)
        key = status or "skipped"
        counts[key] = counts.get(key, 0) + 1
    return counts


def address_suppress(*, email: str, reason: str, detail: str = "", now: datetime) -> bool:
    """Stop sending to `email` (a permanent bounce or a complaint): later sends to it end
    as suppressed, and its pending messages are suppressed now. True if newly suppressed."""
    email = email.strip().lower()
    _row, created = SuppressedAddress.objects.get_or_create(
        email=email, defaults={"reason": reason, "detail": detail[:2000], "created_at": now}
    )
    Message.objects.filter(to_email__iexact=email, status=MessageStatus.PENDING).update(
        status=MessageStatus.SUPPRESSED, secrets={}
    )
    return created


def ses_event_apply(*, message: Mapping[str, Any], now: datetime) -> str:
    """Apply one SES event (an SNS notification's Message, parsed): a permanent bounce or a
    complaint suppresses its recipients; anything else (deliveries, transient bounces) is
    only acknowledged. Returns what it did, for the answer."""
    kind = str(message.get("notificationType") or message.get("eventType") or "")
    if kind == "Bounce":
        bounce = message.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return "ignored: transient bounce"
        recipients = [r.get("emailAddress", "") for r in bounce.get("bouncedRecipients", [])]
        reason, detail = "bounce", str(bounce.get("bounceSubType", ""))
    elif kind == "Complaint":
        complaint = message.get("complaint") or {}
        recipients = [r.get("emailAddress", "") for r in complaint.get("complainedRecipients", [])]
        reason, detail = "complaint", str(complaint.get("complaintFeedbackType", ""))
    else:
        return f"ignored: {kind or 'unknown'}"
    addresses = [a for a in recipients if isinstance(a, str) and "@" in a]
    for address in addresses:
        address_suppress(email=address, reason=reason, detail=detail, now=now)
    return f"suppressed {len(addresses)} address(es): {reason}"


def messages_personal_data(*, user: Any, email: str) -> dict[str, Any]:
    """The emails sent (or to be sent) to `user` or to their address, for a personal data
    export: as staff see them (`message_content`: a one-time link masked), oldest first."""
    rows = Message.objects.filter(Q(user=user) | Q(to_email__iexact=email)).order_by(
        "created_at", "pk"
    )
    exported = []
    for message in rows:
        subject, text, _html, attachments = message_content(message)
        exported.append(
            {
                "kind": message.kind, "to_email": message.to_email,
                "language": message.language, "status": message.status,
                "created_at": message.created_at.isoformat(),
                "sent_at": message.sent_at.isoformat() if message.sent_at else None,
                "subject": subject, "text_body": text,
                "attachments": [a["filename"] for a in attachments],
            }
        )  # fmt: skip
    return {"messages": exported}


def messages_erase(*, user: Any, email: str) -> int:
    """Delete every message to or about `user` (their address, names and trips are in the
    bodies) and their address's suppression, for a personal data erasure. Returns how many
    messages went. The audit trail keeps that resends happened (by id, not content)."""
    deleted, _ = Message.objects.filter(Q(user=user) | Q(to_email__iexact=email)).delete()
    SuppressedAddress.objects.filter(email=email.strip().lower()).delete()
    return int(deleted)
