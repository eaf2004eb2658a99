"""Personal data requests (GDPR articles 15, 17 and 20): a traveler's export and erasure.

Each app says what it holds about a person and how it forgets them (its own
`personal_data` functions); this module asks every one of them, in one transaction, and
audits the request. An erasure keeps the business's records (bookings, payments, refunds,
the audit trail) with the link to the person removed: the account row stays as an
anonymous placeholder they keep pointing at, the names on bookings are blanked, what the
person wrote (reviews) is deleted, and the entries staff wrote about them lose every
name and address. tests/privacy/test_erasure.py searches every column of every table
for what was erased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from privacy.errors import ErasureBlocked

FORMAT = "travelguru-personal-data/1"


@transaction.atomic
def user_export(*, user: Any, actor: Any, now: datetime) -> dict[str, Any]:
    """Everything held about `user`, as one JSON document; the request is audited."""
    from accounts.personal_data import user_personal_data
    from audit.services import audit_entries_about, audit_record
    from bookings.services.personal_data import bookings_personal_data
    from notifications.services import messages_personal_data
    from reviews.services import reviews_personal_data

    document = {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        **user_personal_data(user=user),
        **bookings_personal_data(user=user),
        **reviews_personal_data(user=user),
        **messages_personal_data(user=user, email=user.email),
        "staff_actions": audit_entries_about(targets=_targets(user)),
    }
    audit_record(actor=actor, action="user.export", target=user, now=now)
    return document


def _targets(user: Any, review_ids: list[int] | None = None) -> list[tuple[str, list[Any]]]:
    from bookings.services.personal_data import booking_ids
    from reviews.models import Review

    reviews = (
        review_ids
        if review_ids is not None
        else list(Review.objects.filter(user=user).values_list("pk", flat=True))
    )
    return [
        (user._meta.label_lower, [user.pk]),
        ("bookings.booking", booking_ids(user=user)),
        ("reviews.review", reviews),
    ]


def user_erase(*, user: Any, actor: Any, now: datetime, reason: str = "") -> Any:
    """Erase `user`'s personal data, keeping the records the business must keep.

    The user's row is locked first (hold_create takes the same lock), so no trip can start
    while the erasure decides; refused (ErasureBlocked) for staff accounts (deactivate
    them instead), while a hold is active, or while a booked trip is not over. Erasing an
    erased account changes nothing. Returns the anonymised user.
    """
    from accounts.personal_data import user_anonymise
    from audit.services import audit_record, audit_scrub
    from bookings.services.personal_data import (
        bookings_anonymise,
        bookings_erasure_blockers,
        traveler_names,
    )
    from notifications.services import messages_erase
    from reviews.models import Review
    from reviews.services import reviews_of_user_delete

    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        if locked.erased_at is not None:
            return locked
        if locked.is_staff or locked.is_superuser:
            raise ErasureBlocked("Staff accounts are deactivated, not erased.")
        blockers = bookings_erasure_blockers(user=locked, now=now)
        if blockers:
            raise ErasureBlocked("Not now: " + "; ".join(blockers) + ".")
        needles = [locked.username, locked.email, locked.first_name, locked.last_name,
                   f"{locked.first_name} {locked.last_name}".strip(),
                   locked.email.split("@")[0], *traveler_names(user=locked)]  # fmt: skip
        review_ids = list(Review.objects.filter(user=locked).values_list("pk", flat=True))
        targets = _targets(locked, review_ids)
        counts = bookings_anonymise(user=locked)
        counts["messages_deleted"] = messages_erase(user=locked, email=locked.email)
        counts["reviews_deleted"] = len(reviews_of_user_delete(user=locked, now=now))
        counts.update(user_anonymise(user=locked, now=now))
        audit_record(actor=actor, action="user.erase", target=locked, now=now,
                     reason=reason, details=counts)  # fmt: skip
        # Last, so that a name staff typed in this erasure's own reason goes too.
        audit_scrub(targets=targets, needles=needles)
    return locked
