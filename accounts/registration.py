"""Registration, email verification and password reset: what a traveler does by a link
sent to their mailbox.

No answer says whether an address has an account. Registering an address answers the
same whether it is new (a verification link is sent) or taken (its owner is told that
someone tried to register with it); a reset asked for an address answers the same whether
an account has it (a reset link is sent) or not (the address is told it has no account).
Both roads write one outbox row (rendered by its send, after the answer), so neither the
answer nor its time tells them apart. Each address gets a few such emails an hour whoever
asks (no mailbomb), besides the per-IP throttle of the API.

A new traveler signs in with their password as soon as they registered (login does not
wait for verification); they search and hold, and book once the link proved the mailbox
theirs (accounts.services.user_ensure_verified, called by bookings before any charge).

A reset link (Django's PasswordResetTokenGenerator: signed over the password hash, the last
login and the email) works once and for PASSWORD_RESET_TIMEOUT; using it ends every login
session of the user. A verification link (signed user and address) works until the
address is verified, for EMAIL_VERIFICATION_TIMEOUT.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.text import slugify

from accounts.errors import LinkInvalid, TooManyEmails
from accounts.models import LoginSession, SessionEndReason, User
from notifications.services import queue_message
from travelguru.errors import InvalidFields
from travelguru.rate_counter import rate_hit

# The languages emails are written in (the site's).
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)

_VERIFY_SALT = "accounts.registration.verify-email"
_HOUR = 60 * 60


def _normalized(email: str) -> str:
    return get_user_model().objects.normalize_email(email.strip())


def _link(path: str, **params: str) -> str:
    return f"{settings.SITE_URL}{path}?{urlencode(params)}"


def _address_limit(purpose: str, email: str, *, now: datetime) -> None:
    """At most EMAIL_LINKS_PER_ADDRESS emails of `purpose` an hour to one address, counted
    whether or not it has an account (the limit says nothing about existence). The key is a
    digest: the counters table holds no addresses."""
    digest = hashlib.sha256(email.lower().encode()).hexdigest()
    retry_after = rate_hit(
        key=f"email-links:{purpose}:{digest}",
        limit=settings.EMAIL_LINKS_PER_ADDRESS,
        period=_HOUR,
        now=now,
    )
    if retry_after is not None:
        seconds = max(1, math.ceil(retry_after))
        raise TooManyEmails(headers={"Retry-After": str(seconds)})


def _unique_username(email: str) -> str:
    base = slugify(email.split("@")[0])[:140] or "traveler"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


# --- registration and verification -------------------------------------------------------


def user_register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    language: str,
    now: datetime,
    username: str = "",
) -> None:
    """Register a traveler, or tell the owner of a taken address that someone tried.

    Returns nothing either way: the caller answers the same (check your email). The
    password is checked first (400 for a weak one whatever the address), and hashed on
    both roads. A chosen username that is taken is refused (400) before the address is
    looked at, so that answer too is the same for a new and a taken address.
    """
    email = _normalized(email)
    candidate = User(
        email=email, username=username, first_name=first_name.strip(), last_name=last_name.strip()
    )
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise InvalidFields({"password": list(exc.messages)}) from None
    if username and User.objects.filter(username__iexact=username).exists():
        raise InvalidFields({"username": ["This username is taken."]})
    _address_limit("register", email, now=now)
    existing = User.objects.filter(email__iexact=email).first()
    # Both roads pick a username and hash the password (the costly part in production),
    # so the answer's time says little about which one ran.
    candidate.username = username or _unique_username(email)
    candidate.set_password(password)
    if existing is not None:
        with transaction.atomic():
            _register_attempt_send(existing, language=language)
        return
    try:
        with transaction.atomic():
            candidate.save()
            email_verify_send(user=candidate, language=language)
    except IntegrityError:
        # A concurrent registration of the same address (or chosen username) won: that
        # registration's owner got the link; this one changes nothing.
        return


def _register_attempt_send(user: User, *, language: str) -> None:
    queue_message(
        kind="register_attempt",
        to_email=user.email,
        language=language,
        user=user,
        context={
            "first_name": user.first_name,
            "sign_in_url": _link("/signin"),
            "reset_url": _link("/forgot-password", email=user.email),
        },
    )


def email_verify_token(user: User) -> str:
    """The token of `user`'s verification link: their id and the address it verifies."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=_VERIFY_SALT)


def email_verify_send(*, user: User, language: str) -> None:
    """Send `user` the link that verifies their address (in the caller's transaction)."""
    queue_message(
        kind="verify_email",
        to_email=user.email,
        language=language,
        user=user,
        context={
            "first_name": user.first_name,
            "verify_url": _link("/verify-email", token=email_verify_token(user)),
            "valid_days": settings.EMAIL_VERIFICATION_TIMEOUT // (24 * _HOUR),
        },
    )


def email_verify_resend(*, user: User, language: str, now: datetime) -> None:
    """A new verification link for a signed-in traveler who has not verified yet (nothing
    for one who has); TooManyEmails past the address's hourly limit."""
    if user.email_verified_at is not None:
        return
    _address_limit("verify", user.email, now=now)
    email_verify_send(user=user, language=language)


def email_verify(*, token: str, now: datetime) -> User:
    """Mark the address of a verification link verified; LinkInvalid for a malformed,
    expired or used link, or one for an address the account no longer has.

    One conditional UPDATE: of two uses at once, one verifies and the other is refused.
    """
    try:
        claims = signing.loads(
            token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT
        )
        user_id, email = int(claims["u"]), str(claims["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid() from None
    verified = User.objects.filter(
        pk=user_id, email__iexact=email, email_verified_at__isnull=True, is_active=True
    ).update(email_verified_at=now)
    if not verified:
        raise LinkInvalid()
    return User.objects.get(pk=user_id)


# --- password reset ------------------------------------------------------------------------


def password_reset_request(*, email: str, language: str, now: datetime) -> None:
    """Email a reset link to the account with this address, or tell the address it has
    none: one outbox row either way (see the module's docstring).

    Only active accounts with a password can be reset (as Django's reset form): staff-made
    accounts without one, and disabled ones, are treated as no account.
    """
    email = _normalized(email)
    _address_limit("reset", email, now=now)
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None and user.has_usable_password():
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        context: dict[str, object] = {
            "has_account": True,
            "first_name": user.first_name,
            "reset_url": _link("/reset-password", uid=uid, token=token),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        queue_message(
            kind="password_reset", to_email=user.email, language=language, user=user,
            context=context,
        )  # fmt: skip
        return
    context = {"has_account": False, "first_name": "", "register_url": _link("/signup")}
    queue_message(kind="password_reset", to_email=email, language=language, context=context)


def _reset_user(uid: str, token: str) -> User:
    try:
        user_id = int(urlsafe_base64_decode(uid).decode())
    except (ValueError, UnicodeDecodeError):
        raise LinkInvalid() from None
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise LinkInvalid()
    return user


def password_reset_confirm(*, uid: str, token: str, password: str, now: datetime) -> User:
    """Set a new password by a reset link, and end every login session of the user.

    The user's row is locked and the token checked under the lock: the token is signed over
    the password hash, so of two uses at once the second sees the new hash and is refused
    (LinkInvalid). API sessions end here with their reason; the admin's sessions end at
    their next request, as Django checks their password hash. The link came to the
    mailbox, so the address counts as verified too.
    """
    with transaction.atomic():
        user = _reset_user(uid, token)
        try:
            validate_password(password, user=user)
        except DjangoValidationError as exc:
            raise InvalidFields({"password": list(exc.messages)}) from None
        user.set_password(password)
        fields = ["password"]
        if user.email_verified_at is None:
            user.email_verified_at = now
            fields.append("email_verified_at")
        user.save(update_fields=fields)
        LoginSession.objects.filter(user=user, ended_at__isnull=True).update(
            ended_at=now, end_reason=SessionEndReason.PASSWORD_RESET
        )
    return user
