"""The audit trail: staff actions on bookings, refunds, reviews and rates, one row each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

from audit.models import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditTarget:
    """A target that is no single row (a route: every flight between two airports)."""

    type: str
    id: str
    repr: str


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | AuditTarget,
    now: datetime,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry for `actor` doing `action` to `target`.

    Called by the admin action after the service it ran succeeded, so an entry means the
    action happened. `details` holds facts (amounts, statuses), never personal data.
    """
    if not isinstance(target, AuditTarget):
        target = AuditTarget(target._meta.label_lower, str(target.pk), str(target))
    return AuditEntry.objects.create(
        at=now,
        actor=actor,
        action=action,
        target_type=target.type,
        target_id=target.id,
        target_repr=target.repr[:200],
        reason=reason,
        details=details or {},
    )
