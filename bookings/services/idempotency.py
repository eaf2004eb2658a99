"""Idempotency-Key: a retried request gets the first answer, never a second charge.

The record is claimed by a unique (user, key) row *before* the work runs, so two
concurrent retries cannot both run it: the second sees "in progress" (409) — until the
claim is older than any request can run, when it is taken over as abandoned. The stored
answer is replayed for 24 hours; the same key with a different body is 422. Server-side
failures (5xx: a provider timeout, a busy lock) are not stored, so the traveler may retry;
nor is a conflict with another request running at that moment (HoldBeingPaid): its outcome
is not this request's, and a retry once the other is done deserves a fresh answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection
from django.db.models import Field

from bookings.errors import HoldBeingPaid, IdempotencyInProgress, IdempotencyKeyReused
from bookings.models import IdempotencyRecord
from travelguru.db import atomic_if_nested
from travelguru.errors import DomainError, problem

if TYPE_CHECKING:
    from accounts.models import User

KEY_TTL = timedelta(hours=24)
# Longer than any request may run (gunicorn and Lambda time out at 30 s, the payment
# provider's own timeout included): a claim older than this was abandoned.
IN_PROGRESS_LEASE = timedelta(minutes=2)


# The two statements every keyed request runs, written out: ~0.2 ms of CPU each where the
# ORM spent ~0.5 building and compiling them. The same SQL on SQLite and MySQL, names from
# the model, values adapted as the ORM adapts them; the rare paths (replay, delete) stay ORM.
_CLAIM_SQL = "INSERT INTO {table} ({user}, {key}, {hash}, {created}) VALUES (%s, %s, %s, %s)"
_ANSWER_SQL = "UPDATE {table} SET {status} = %s, {body} = %s WHERE {user} = %s AND {key} = %s"


_BUILT: dict[tuple[str, str], str] = {}


def _sql(template: str) -> str:
    built = _BUILT.get((connection.vendor, template))
    if built is None:
        built = _BUILT[connection.vendor, template] = _build(template)
    return built


def _build(template: str) -> str:
    quote, meta = connection.ops.quote_name, IdempotencyRecord._meta
    columns = {
        name: quote(_column(field))
        for name, field in (
            ("user", "user"), ("key", "key"), ("hash", "request_hash"),
            ("created", "created_at"), ("status", "response_status"), ("body", "response_body"),
        )
    }  # fmt: skip
    return template.format(table=quote(meta.db_table), **columns)


def _column(name: str) -> str:
    field = IdempotencyRecord._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"IdempotencyRecord.{name} is not a column")
    return field.column


def request_fingerprint(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(*, user: User, key: str, fingerprint: str, now: datetime) -> tuple[int, Any] | None:
    """None for our new record, or the earlier (status, body) to replay (raises on
    conflicts)."""
    for _ in range(2):
        try:
            with atomic_if_nested(), connection.cursor() as cursor:
                cursor.execute(
                    _sql(_CLAIM_SQL),
                    [user.pk, key, fingerprint, connection.ops.adapt_datetimefield_value(now)],
                )
            return None
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is None:
                continue  # deleted in between: try again
            if record.created_at <= now - KEY_TTL:
                record.delete()
                continue
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    "Use a new Idempotency-Key for a different request."
                ) from None
            if record.response_status is None:
                if record.created_at > now - IN_PROGRESS_LEASE:
                    raise IdempotencyInProgress() from None
                # Claimed but never answered: the process died (a Lambda timeout, a
                # deploy). Take it over; money stays safe because charges are keyed by
                # Payment row and a hold is booked at most once.
                IdempotencyRecord.objects.filter(pk=record.pk, response_status=None).delete()
                continue
            return record.response_status, record.response_body
    raise IdempotencyInProgress()


def idempotency_purge_expired(*, now: datetime) -> int:
    """Forget answers older than KEY_TTL (reconcile_payments runs this on its schedule);
    returns how many. An expired key is treated as new even before it is purged."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lte=now - KEY_TTL).delete()
    return deleted


def idempotent_call(
    *,
    user: User,
    key: str,
    data: Any,
    now: datetime,
    run: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any], bool]:
    """(status, body, replayed) for `run()` done at most once per (user, key, body)."""
    fingerprint = request_fingerprint(data)
    earlier = _claim(user=user, key=key, fingerprint=fingerprint, now=now)
    if earlier is not None:
        return *earlier, True
    try:
        status_code, body = run()
    except DomainError as exc:
        if exc.status >= 500 or isinstance(exc, HoldBeingPaid):
            IdempotencyRecord.objects.filter(user=user, key=key).delete()
            raise
        status_code = exc.status
        body = problem(
            status_code=exc.status, title=exc.title, detail=exc.detail, code=exc.code, **exc.extra
        )
    except BaseException:
        IdempotencyRecord.objects.filter(user=user, key=key).delete()
        raise
    body_field = IdempotencyRecord._meta.get_field("response_body")
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(_ANSWER_SQL),
            [status_code, body_field.get_db_prep_save(body, connection), user.pk, key],
        )
    return status_code, body, False
