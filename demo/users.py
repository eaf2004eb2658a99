"""The demo traveler and staff accounts (passwords never overwritten once they exist).

The demo staff member runs the business from the admin as real staff would: not a
superuser, but in the "Operations" group (bookings and refunds, review moderation, the
catalog, the analytics dashboard, the audit trail), and with a second factor like every
staff account. Its authenticator secret and recovery codes are made here, at random, for
this database only; `manage.py demo_banner` prints them so a newcomer can log in.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

# Passes every password validator (12+ characters, not common, not like the demo names).
DEFAULT_PASSWORD = "paper-lantern-voyage"
TRAVELER_EMAIL = "traveler@travelguru.example"
STAFF_EMAIL = "staff@travelguru.example"
OPERATIONS_GROUP = "Operations"
# Everything staff need to run the business; user accounts stay a superuser's job.
OPERATIONS_APPS = ("catalog", "bookings", "reviews", "analytics", "audit")
# The demo staff member's devices carry these names, so the banner prints only secrets this
# module made for the demo, never those of a device someone set up themselves.
DEMO_AUTHENTICATOR = "Demo authenticator (printed by demo_banner)"
DEMO_RECOVERY = "Demo recovery codes (printed by demo_banner)"


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def operations_group():
    """The staff group with every permission of OPERATIONS_APPS (kept up to date)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=OPERATIONS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=OPERATIONS_APPS))
    return group


@transaction.atomic
def ensure_demo_users() -> list[str]:
    """Create the demo users if missing, and give the demo staff member their group and a
    second factor if they lack them; returns the emails created."""
    User = get_user_model()
    created = []
    for email, first, last, staff in (
        (TRAVELER_EMAIL, "Tess", "Traveler", False),
        (STAFF_EMAIL, "Sam", "Staff", True),
    ):
        if User.objects.filter(email__iexact=email).exists():
            continue
        user = User(
            username=email.split("@")[0],
            email=email,
            first_name=first,
            last_name=last,
            is_staff=staff,
        )
        try:
            validate_password(demo_password(), user=user)
        except ValidationError as exc:
            raise CommandError(f"DEMO_PASSWORD is refused: {' '.join(exc.messages)}") from None
        user.set_password(demo_password())
        user.save()
        created.append(email)
    _ensure_demo_staff(User.objects.get(email__iexact=STAFF_EMAIL))
    return created


def _ensure_demo_staff(staff) -> None:
    """Earlier demo databases made this user a superuser without a second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.otp import recovery_codes_replace

    if staff.is_superuser or not staff.is_staff:
        staff.is_superuser, staff.is_staff = False, True
        staff.save(update_fields=["is_superuser", "is_staff"])
    staff.groups.add(operations_group())
    if not TOTPDevice.objects.filter(user=staff, confirmed=True).exists():
        TOTPDevice.objects.create(user=staff, name=DEMO_AUTHENTICATOR, confirmed=True)
        recovery_codes_replace(staff, name=DEMO_RECOVERY)


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
