"""The demo traveler and staff accounts (passwords never overwritten once they exist).

One demo staff member per role (accounts.roles), none a superuser: the demo staff member
(staff@) is in the Admin role, and support@, revenue@, moderator@, analyst@ and manager@
show what the other roles see. Every one has a second factor like every staff account. The
authenticator secret and recovery codes are made here, at random, for this database only;
the other roles' authenticators share the demo staff member's secret, so one entry in an
authenticator app logs in as any of them. `manage.py demo_banner` prints them.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

# Passes every password validator (12+ characters, not common, not like the demo names).
DEFAULT_PASSWORD = "paper-lantern-voyage"
TRAVELER_EMAIL = "traveler@travelguru.example"
STAFF_EMAIL = "staff@travelguru.example"
# Linked to the most reviewed demo hotel by the demo reviews (demo.reviews).
MANAGER_EMAIL = "manager@travelguru.example"
# (email, first name, last name, role) of every demo staff member; the first is "the" one.
DEMO_STAFF = (
    (STAFF_EMAIL, "Sam", "Staff", "Admin"),
    ("support@travelguru.example", "Sue", "Support", "Support agent"),
    ("revenue@travelguru.example", "Rey", "Revenue", "Revenue manager"),
    ("moderator@travelguru.example", "Mo", "Moderator", "Content moderator"),
    ("analyst@travelguru.example", "Ana", "Analyst", "Analyst"),
    (MANAGER_EMAIL, "Max", "Manager", "Property manager"),
)
DEMO_EMAILS = (TRAVELER_EMAIL, *(row[0] for row in DEMO_STAFF))
# The demo staff member's devices carry these names, so the banner prints only secrets this
# module made for the demo, never those of a device someone set up themselves.
DEMO_AUTHENTICATOR = "Demo authenticator (printed by demo_banner)"
DEMO_RECOVERY = "Demo recovery codes (printed by demo_banner)"


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


@transaction.atomic
def ensure_demo_users() -> list[str]:
    """Create the demo users if missing, and give each demo staff member their role and a
    second factor if they lack them; returns the emails created."""
    from accounts.roles import roles_sync

    User = get_user_model()
    created = []
    people = [(TRAVELER_EMAIL, "Tess", "Traveler", None), *DEMO_STAFF]
    for email, first, last, role in people:
        if User.objects.filter(email__iexact=email).exists():
            continue
        user = User(
            username=email.split("@")[0],
            email=email,
            first_name=first,
            last_name=last,
            is_staff=role is not None,
            email_verified_at=timezone.now(),  # the demo traveler books at once
        )
        try:
            validate_password(demo_password(), user=user)
        except ValidationError as exc:
            raise CommandError(f"DEMO_PASSWORD is refused: {' '.join(exc.messages)}") from None
        user.set_password(demo_password())
        user.save()
        created.append(email)
    roles_sync()  # the groups a migration made, with what the roles cover today
    key = None
    for email, _, _, role in DEMO_STAFF:
        key = _ensure_demo_staff(User.objects.get(email__iexact=email), role, key=key)
    return created


def _ensure_demo_staff(staff, role: str, *, key: str | None) -> str | None:
    """Earlier demo databases made the demo staff member a superuser without a second
    factor, in an "Operations" group: brought in line. Returns the demo authenticator's
    key, for the next demo staff member to share (None: no demo authenticator)."""
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.otp import recovery_codes_replace

    if staff.is_superuser or not staff.is_staff:
        staff.is_superuser, staff.is_staff = False, True
        staff.save(update_fields=["is_superuser", "is_staff"])
    staff.groups.set([Group.objects.get(name=role)])
    first = key is None and staff.email.lower() == STAFF_EMAIL
    if not TOTPDevice.objects.filter(user=staff, confirmed=True).exists() and (first or key):
        extra = {} if first else {"key": key}
        TOTPDevice.objects.create(user=staff, name=DEMO_AUTHENTICATOR, confirmed=True, **extra)
        recovery_codes_replace(staff, name=DEMO_RECOVERY)
    if not first:
        return key
    device = TOTPDevice.objects.filter(user=staff, name=DEMO_AUTHENTICATOR).first()
    return device.key if device is not None else None


def demo_staff_second_factor() -> tuple[str, str, list[str]] | None:
    """(otpauth:// URI, base32 secret, unused recovery codes) of the demo staff member's
    demo devices, or None when they have none (e.g. replaced by their own)."""
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.otp import totp_secret_base32

    device = (
        TOTPDevice.objects.filter(
            user__email__iexact=STAFF_EMAIL, name=DEMO_AUTHENTICATOR, confirmed=True
        )
        .select_related("user")
        .first()
    )
    if device is None:
        return None
    codes = StaticToken.objects.filter(
        device__user=device.user, device__name=DEMO_RECOVERY
    ).order_by("pk")
    return device.config_url, totp_secret_base32(device), [t.token for t in codes]
