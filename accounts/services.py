"""Accounts: password login and its second factor, with failed-attempt limits (registration
and the emailed links: accounts.registration)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.core.cache import cache

from accounts.errors import EmailNotVerified, InvalidCredentials, TooManyLoginAttempts
from accounts.models import User
from accounts.selectors import user_by_login
from travelguru.rate_counter import rate_give_back, rate_hit


def user_ensure_verified(user: User) -> None:
    """Raise EmailNotVerified (403) unless the traveler's address is verified: bookings are
    confirmed (and charged) for verified travelers only."""
    if user.email_verified_at is None:
        raise EmailNotVerified(
            "Open the link we emailed you to confirm your address, then pay again. "
            "Your hold stays yours until it expires."
        )


# --- failed logins -----------------------------------------------------------------------
#
# Three limits, each answering 429 with Retry-After even for the right password, so guessing
# past them gains nothing:
# - per client IP (one address spraying many accounts) and per account *from one IP* (a
#   guesser locks only their own address out of an account): fixed windows in the cache;
# - per account across every IP (many addresses guessing one account): a slot in the
#   database's rate counters is taken *before* the password is checked, with one
#   conditional UPDATE, and given back when the password was right, so parallel guesses
#   cannot pass the limit however many arrive at once. Clients that completed a login to
#   the account before (the same IP, within LOGIN_KNOWN_CLIENT_DAYS) are exempt from this
#   one: an attacker can lock strangers out of the account, never the traveler at home.


@dataclass(frozen=True)
class LoginAttempt:
    """One password check under way: who, from where, and whether it holds a slot of the
    account-wide limit (to give back if the password was right)."""

    ip: str
    account: str
    user: User | None
    holds_account_slot: bool


def _window(now: datetime) -> tuple[int, int]:
    """(window number, seconds until it ends) for fixed windows of the configured length."""
    length = settings.LOGIN_FAILURE_WINDOW_SECONDS
    stamp = now.timestamp()
    return int(stamp // length), math.ceil(length - stamp % length)


def _keys(ip: str, account: str, now: datetime) -> tuple[str, str]:
    """The client IP's counter, and the account's counter *from that IP*.

    The account counter is keyed by account and IP together (django-axes' "username and
    IP" combination): someone failing from one address cannot lock the real traveler out
    from theirs, while that address stays limited on every account by the IP counter.
    """
    window, _ = _window(now)
    return (f"login-fail:ip:{ip}:{window}", f"login-fail:who:{account}:ip:{ip}:{window}")


def _account_key(user: User | None, identifier: str) -> str:
    """One counter per account whichever name it is logged in by (email or username);
    unknown names count under the name itself (so a lock says nothing about existence)."""
    return f"user-{user.pk}" if user is not None else f"name-{identifier.strip().lower()}"


def _known_client_key(ip: str, account: str) -> str:
    return f"login-known:{account}:ip:{ip}"


def _too_many(retry_after: float) -> TooManyLoginAttempts:
    seconds = max(1, math.ceil(retry_after))
    return TooManyLoginAttempts(
        f"Too many failed logins. Try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )


def _check_not_throttled(ip: str, account: str, now: datetime) -> None:
    ip_key, who_key = _keys(ip, account, now)
    counts = cache.get_many([ip_key, who_key])
    if (
        counts.get(ip_key, 0) >= settings.LOGIN_FAILURES_PER_IP
        or counts.get(who_key, 0) >= settings.LOGIN_FAILURES_PER_ACCOUNT
    ):
        raise _too_many(_window(now)[1])


def _record_failure(ip: str, account: str, now: datetime) -> None:
    timeout = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(ip, account, now):
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)


def _slot_take(key: str, *, limit: int, now: datetime) -> None:
    """Take one of `limit` slots of `key` in its window, or raise TooManyLoginAttempts."""
    retry_after = rate_hit(
        key=key, limit=limit, period=settings.LOGIN_FAILURE_WINDOW_SECONDS, now=now
    )
    if retry_after is not None:
        raise _too_many(retry_after)


def _slot_give_back(key: str) -> None:
    rate_give_back(key=key)


def login_attempt_begin(*, ip: str, identifier: str, now: datetime) -> LoginAttempt:
    """Before a password is checked: raise TooManyLoginAttempts (429, Retry-After) when a
    limit is reached, else reserve the attempt's place in the account-wide count.

    For every password login (the API's, the admin's form): the same counters for both.
    """
    user = user_by_login(identifier)
    account = _account_key(user, identifier)
    _check_not_throttled(ip, account, now)
    known = cache.get(_known_client_key(ip, account)) is not None
    if not known:
        _slot_take(
            f"login-account:{account}", limit=settings.LOGIN_FAILURES_PER_ACCOUNT_ALL_IPS, now=now
        )
    return LoginAttempt(ip=ip, account=account, user=user, holds_account_slot=not known)


def login_attempt_failed(attempt: LoginAttempt, *, now: datetime) -> None:
    """The password was wrong: it counts against the IP and the account (its slot is kept)."""
    _record_failure(attempt.ip, attempt.account, now)


def login_attempt_succeeded(attempt: LoginAttempt, *, now: datetime, complete: bool = True) -> None:
    """The password was right: its slot is given back and this IP's count for the account
    cleared. `complete` (no second factor still to come) also makes the client known."""
    if attempt.holds_account_slot:
        _slot_give_back(f"login-account:{attempt.account}")
    cache.delete(_keys(attempt.ip, attempt.account, now)[1])
    if complete:
        login_client_known(ip=attempt.ip, user=attempt.user)


def login_client_known(*, ip: str, user: User | None) -> None:
    """This IP completed a login to `user`: exempt from the account-wide limit for a while."""
    if user is not None:
        days = settings.LOGIN_KNOWN_CLIENT_DAYS
        cache.set(_known_client_key(ip, _account_key(user, "")), 1, days * 86400)


def user_authenticate(*, identifier: str, password: str, ip: str, now: datetime) -> User:
    """The active user whose email or username is `identifier`, if the password matches.

    Failures are limited per client IP, per account from that IP, and per account across
    every IP (login_attempt_begin); past a limit the answer is 429 with Retry-After even
    for the right password, so guessing gains nothing.
    """
    attempt = login_attempt_begin(ip=ip, identifier=identifier, now=now)
    user = attempt.user
    if user is None:
        User().set_password(password)  # same work as a real check: no timing oracle
    if user is None or not user.is_active or not user.check_password(password):
        login_attempt_failed(attempt, now=now)
        raise InvalidCredentials()
    login_attempt_succeeded(attempt, now=now)
    update_last_login(User, user)
    return user


# --- second factor (staff) ------------------------------------------------------------------


def otp_attempt_begin(*, ip: str, user: User, now: datetime) -> None:
    """Before a second-factor code is checked: the IP's limit, and a slot of the account's
    own limit on codes (6 digits are a small space). No client is exempt here: only someone
    holding the password reaches this step, so only they can use the lock up.
    """
    account = _account_key(user, "")
    _check_not_throttled(ip, account, now)
    _slot_take(f"login-otp:{account}", limit=settings.LOGIN_OTP_FAILURES_PER_ACCOUNT, now=now)


def otp_attempt_failed(*, ip: str, user: User, now: datetime) -> None:
    _record_failure(ip, _account_key(user, ""), now)


def otp_attempt_succeeded(*, ip: str, user: User) -> None:
    """The code was right: its slot is given back and the client known to the account."""
    _slot_give_back(f"login-otp:{_account_key(user, '')}")
    login_client_known(ip=ip, user=user)
