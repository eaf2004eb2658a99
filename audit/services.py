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


def _targets_q(targets: list[tuple[str, list[Any]]]) -> models.Q:
    query = models.Q(pk__in=[])
    for target_type, ids in targets:
        query |= models.Q(target_type=target_type, target_id__in=[str(i) for i in ids])
    return query


def audit_entries_about(*, targets: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    """The entries about these (target type, ids), for a personal data export; the staff
    member acting is named by role only (their identity is not the traveler's data)."""
    entries = AuditEntry.objects.filter(_targets_q(targets)).order_by("at", "pk")
    return [
        {"at": e.at.isoformat(), "action": e.action, "target": e.target_repr,
         "reason": e.reason, "details": e.details}
        for e in entries
    ]  # fmt: skip


def audit_scrub(*, targets: list[tuple[str, list[Any]]], needles: list[str]) -> int:
    """Remove the person's identifiers from entries about these targets (an erasure): the
    entries stay, as the record of what staff did, with every needle (names, email) in
    their snapshot, reason and details replaced. Returns how many entries changed."""
    import json
    import re

    words = sorted({n for n in needles if n and len(n) > 1}, key=len, reverse=True)
    if not words:
        return 0
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    changed = 0
    for entry in AuditEntry.objects.filter(_targets_q(targets)):
        details = json.dumps(entry.details, ensure_ascii=False)
        cleaned = [pattern.sub("(erased)", t) for t in (entry.target_repr, entry.reason, details)]
        if cleaned != [entry.target_repr, entry.reason, details]:
            entry.target_repr, entry.reason = cleaned[0], cleaned[1]
            entry.details = json.loads(cleaned[2])
            entry.save(update_fields=["target_repr", "reason", "details"])
            changed += 1
    return changed
