"""Reads of accounts with business meaning."""

from __future__ import annotations

from accounts.models import User


def user_by_login(identifier: str) -> User | None:
    """The user an identifier names: an email (any case) when it has an '@', else a username.

    Every password login (the API's token, the admin's form) finds its user here, so a
    traveler and a staff member sign in the same way.
    """
    lookup = "email__iexact" if "@" in identifier else "username__iexact"
    return User.objects.filter(**{lookup: identifier.strip()}).first()
