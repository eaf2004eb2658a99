"""The audit trail: staff actions on bookings, refunds and reviews, one row each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from audit.models import AuditEntry


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    now: datetime,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry for `actor` doing `action` to `target`.

    Called by the admin action after the service it ran succeeded, so an entry means the
    action happened. `details` holds facts (amounts, statuses), never personal data.
    """
    return AuditEntry.objects.create(
        at=now,
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        reason=reason,
        details=details or {},
    )
