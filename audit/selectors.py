"""Reads of the audit trail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from audit.models import AuditEntry
from audit.services import _targets_q


def audit_entries_for(*, targets: list[tuple[str, list[Any]]]) -> QuerySet[AuditEntry]:
    """The entries about these (target type, ids), oldest first, with their actors."""
    return (
        AuditEntry.objects.filter(_targets_q(targets)).select_related("actor").order_by("at", "pk")
    )
