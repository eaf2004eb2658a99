"""Accounts: registration and password login with failed-attempt limits."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify
from rest_framework import serializers

from accounts.errors import InvalidCredentials, TooManyLoginAttempts
from accounts.models import RateCounter, User


def _unique_username(email: str) -> str:
    base = slugify(email.split("@")[0])[:140] or "traveler"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def user_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", username: str = ""
) -> User:
    """A new traveler. The password must pass Django's validators; the email is unique."""
    email = get_user_model().objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exists():
        raise serializers.ValidationError({"email": ["An account with this email exists."]})
    if username and User.objects.filter(username__iexact=username).exists():
        raise serializers.ValidationError({"username": ["This username is taken."]})
    user = User(
        email=email,
        username=username or _unique_username(email),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": list(exc.messages)}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent registration with the same email won
        raise serializers.ValidationError(
            {"email": ["An account with this email exists."]}
        ) from None
    return user


# --- failed logins -----------------------------------------------------------------------


def _window() -> tuple[int, int]:
    """(window number, seconds until it ends) for fixed windows of the configured length."""
    length = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = time.time()
    return int(now // length), math.ceil(length - now % length)


def _keys(ip: str, account: str) -> tuple[str, str]:
    """The client IP's counter, and the account's counter *from that IP*.

    The account counter is keyed by account and IP together (django-axes' "username and
    IP" combination): someone failing from one address cannot lock the real traveler out
    from theirs, while that address stays limited on every account by the IP counter.
    """
    window, _ = _window()
    return (f"login-fail:ip:{ip}:{window}", f"login-fail:who:{account}:ip:{ip}:{window}")


def _account_key(user: User | None, identifier: str) -> str:
    """One counter per account whichever name it is logged in by (email or username);
    unknown names count under the name itself."""
    return f"user-{user.pk}" if user is not None else f"name-{identifier.strip().lower()}"


def _user_named(identifier: str) -> User | None:
    lookup = "email__iexact" if "@" in identifier else "username__iexact"
    return User.objects.filter(**{lookup: identifier.strip()}).first()


def _check_not_throttled(ip: str, account: str) -> None:
    ip_key, who_key = _keys(ip, account)
    counts = cache.get_many([ip_key, who_key])
    if (
        counts.get(ip_key, 0) >= settings.LOGIN_FAILURES_PER_IP
        or counts.get(who_key, 0) >= settings.LOGIN_FAILURES_PER_ACCOUNT
    ):
        _, retry_after = _window()
        raise TooManyLoginAttempts(
            f"Too many failed logins. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


def _record_failure(ip: str, account: str) -> None:
    timeout = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(ip, account):
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)


def login_failures_check(*, ip: str, identifier: str) -> None:
    """Raise TooManyLoginAttempts (429, Retry-After) when this IP or account+IP is locked.

    For logins checked elsewhere (the admin's form): the same counters as the API's."""
    _check_not_throttled(ip, _account_key(_user_named(identifier), identifier))


def login_failure_record(*, ip: str, identifier: str) -> None:
    _record_failure(ip, _account_key(_user_named(identifier), identifier))


def login_success_record(*, ip: str, identifier: str) -> None:
    cache.delete(_keys(ip, _account_key(_user_named(identifier), identifier))[1])


def user_authenticate(*, identifier: str, password: str, ip: str) -> User:
    """The active user whose email or username is `identifier`, if the password matches.

    Failures are counted per account (by email and username alike) and per client IP in
    fixed windows; past the limit the answer is 429 with Retry-After even for the right
    password, so guessing gains nothing. A success clears the account's counter.
    """
    user = _user_named(identifier)
    account = _account_key(user, identifier)
    _check_not_throttled(ip, account)
    if user is None:
        User().set_password(password)  # same work as a real check: no timing oracle
    if user is None or not user.is_active or not user.check_password(password):
        _record_failure(ip, account)
        raise InvalidCredentials()
    cache.delete(_keys(ip, account)[1])
    update_last_login(None, user)
    return user


# --- API request rates (the DRF throttles of travelguru.security) ------------------------

# One new counter in this many also deletes the counters whose window ended a day ago, so
# the table holds about a day's clients; the deletion is an indexed range on window_ends.
RATE_COUNTER_PURGE_ONE_IN = 64
RATE_COUNTER_KEPT = timedelta(days=1)
RATE_KEY_MAX_LENGTH = RateCounter._meta.get_field("key").max_length or 191


def rate_hit(
    *, key: str, limit: int, period: int, now: datetime, _retry: bool = True
) -> float | None:
    """Count one request against `key`'s budget of `limit` per `period` seconds.

    Returns None when the request is allowed, else the seconds until the window ends (the
    answer's Retry-After). A window starts at the key's first request and lasts `period`,
    so a client gets at most `limit` requests in it (2 x limit across a window's end, where
    DRF's own sliding log would have been exact). The common case, a request within
    budget, is one UPDATE in autocommit: the row lock serialises concurrent requests of the
    same client, and `hits < limit` in the WHERE means no request is ever over-counted past
    the budget. The rest (first request, new window, over budget) reads the row. A key too
    long for the column (a forwarded-for address is what the client says) is hashed.
    """
    if len(key) > RATE_KEY_MAX_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    if _rate_counter_count(key=key, limit=limit, now=now):
        return None
    counter = RateCounter.objects.filter(key=key)
    row = counter.values_list("window_ends", "hits").first()
    if row is not None and row[0] > now and row[1] >= limit:
        return (row[0] - now).total_seconds()
    if row is not None:  # the window has ended: this request opens the next one
        opened = counter.filter(window_ends__lte=now).update(
            window_ends=now + timedelta(seconds=period), hits=1
        )
    else:
        opened = _rate_counter_create(key=key, window_ends=now + timedelta(seconds=period), now=now)
    if opened:
        return None
    if not _retry:  # lost the race twice within one request: refuse rather than loop
        return float(period)
    # Another request of this client opened the window first: count against it.
    return rate_hit(key=key, limit=limit, period=period, now=now, _retry=False)


# Every API request runs this statement: written out, it costs a tenth of the CPU of the
# same UPDATE built by the ORM (~0.1 vs ~0.5 ms), for the same SQL on SQLite and MySQL.
_COUNT_SQL = (
    "UPDATE accounts_ratecounter SET hits = hits + 1"
    " WHERE throttle_key = %s AND window_ends > %s AND hits < %s"
)


def _rate_counter_count(*, key: str, limit: int, now: datetime) -> bool:
    """Count one request in `key`'s open window if it is within budget (one UPDATE)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL, [key, connection.ops.adapt_datetimefield_value(now), limit])
        return cursor.rowcount == 1


def _rate_counter_create(*, key: str, window_ends: datetime, now: datetime) -> bool:
    try:
        with transaction.atomic():
            RateCounter.objects.create(key=key, window_ends=window_ends, hits=1)
    except IntegrityError:  # created meanwhile by a concurrent request of the same client
        return False
    if secrets.randbelow(RATE_COUNTER_PURGE_ONE_IN) == 0:
        RateCounter.objects.filter(window_ends__lt=now - RATE_COUNTER_KEPT).delete()
    return True
