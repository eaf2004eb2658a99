"""The demo traveler and staff accounts (never overwritten once they exist)."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model

DEFAULT_PASSWORD = "travelguru-demo"
TRAVELER_EMAIL = "traveler@travelguru.example"
STAFF_EMAIL = "staff@travelguru.example"


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def ensure_demo_users() -> list[str]:
    """Create the demo users if missing; returns the emails created."""
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
            is_superuser=staff,
        )
        user.set_password(demo_password())
        user.save()
        created.append(email)
    return created
