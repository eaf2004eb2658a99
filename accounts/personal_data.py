"""The account's part of a personal data request (privacy.services): its export, and the
anonymised row an erasure leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.models import User


def user_personal_data(*, user: User) -> dict[str, Any]:
    """The account itself and its logins, for a personal data export (no password hash,
    session stamps or second-factor secrets: they identify nobody and would help a thief)."""
    from accounts.models import LoginSession

    sessions = LoginSession.objects.filter(user=user).order_by("created_at")
    return {
        "account": {
            "id": user.pk, "username": user.username, "email": user.email,
            "first_name": user.first_name, "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "is_active": user.is_active,
        },
        "login_sessions": [
            {"created_at": s.created_at.isoformat(), "last_used_at": s.rotated_at.isoformat(),
             "ended_at": s.ended_at.isoformat() if s.ended_at else None,
             "end_reason": s.end_reason}
            for s in sessions
        ],
    }  # fmt: skip


def user_anonymise(*, user: User, now: datetime) -> dict[str, int]:
    """Make `user`'s row say nothing about anyone, for good: no name, an address that
    cannot receive mail, no usable password, inactive; every login session ended (their
    tokens stop at once), second-factor devices and the admin's own history snapshots of
    the account scrubbed. The row stays: bookings and payments keep pointing at it."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import LoginSession, SessionEndReason

    sessions = LoginSession.objects.filter(user=user, ended_at__isnull=True).update(
        ended_at=now, end_reason=SessionEndReason.ERASED
    )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
    ).update(object_repr=f"erased user {user.pk}")
    user.username = f"erased-{user.pk}"
    user.email = f"erased-{user.pk}@erased.invalid"
    user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.erased_at = now
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return {"sessions_ended": sessions}
