"""Login sessions and their tokens: start, refresh (rotation with reuse detection), end.

A login starts a session (accounts.models.LoginSession). Its refresh token carries the
session id (`sid`) and a generation (`gen`); exchanging it is decided by one conditional
UPDATE of the session row (`generation = gen` → `gen + 1`), so of any number of
concurrent exchanges of one token exactly one wins. A token whose generation the session
has already passed is reuse (OAuth 2.0 Security BCP, refresh token rotation): the whole
session ends, the thief's tokens and the traveler's alike, and the traveler logs in again.

A session lasts at most JWT_SESSION_MAX_LIFETIME from its login, however often it is
refreshed: no token of it expires later than that (the refresh and access tokens' `exp` are
capped), and a refresh token signed before the cap existed is refused past it.

A racer that loses to the winner within JWT_REFRESH_REUSE_GRACE_SECONDS (two tabs, a
double click, a retry after a lost answer) is handed the winner's tokens again, byte for
byte: they are built from the row alone (ids, generation, rotated_at), so nothing secret
is stored and the race never yields two sessions. Past the window it is reuse.

Access tokens carry `sid`; accounts.authentication reads the session with its user in the
one query authentication always made, and refuses an ended session, an inactive user, or
one whose password changed since the login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import datetime_to_epoch

from accounts.models import LoginSession, SessionEndReason, User
from travelguru.sql import Table, fetch_model_row, statement

SESSION_CLAIM = "sid"
GENERATION_CLAIM = "gen"


# --- errors: 401 problem+json with a code of their own (travelguru.errors) ----------------


class SessionEnded(AuthenticationFailed):
    default_detail = "This session has ended; log in again"
    default_code = "session_ended"


class RefreshTokenReused(AuthenticationFailed):
    default_detail = "This refresh token was already used; the session has ended for safety"
    default_code = "refresh_token_reused"


class SessionExpired(AuthenticationFailed):
    default_detail = "This login has reached its maximum lifetime; log in again"
    default_code = "session_expired"


class CredentialsChanged(AuthenticationFailed):
    default_detail = "The password changed since this login; log in again"
    default_code = "credentials_changed"


class AccountInactive(AuthenticationFailed):
    default_detail = "This account is disabled"
    default_code = "account_inactive"


# --- tokens ---------------------------------------------------------------------------


class SessionRefreshToken(Token):
    """simplejwt's signing and checks (type, expiry, jti), without its outstanding-token
    bookkeeping: the session row is the only state."""

    token_type = "refresh"  # noqa: S105 (a token type, not a secret)
    lifetime = api_settings.REFRESH_TOKEN_LIFETIME


class SessionAccessToken(Token):
    token_type = "access"  # noqa: S105 (a token type, not a secret)
    lifetime = api_settings.ACCESS_TOKEN_LIFETIME


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str

    def as_dict(self) -> dict[str, str]:
        return {"access": self.access, "refresh": self.refresh}


def _encode(
    cls: type[Token],
    *,
    lifetime: timedelta,
    issued_at: datetime,
    ends_at: datetime,
    claims: dict[str, Any],
) -> str:
    """A token whose every claim comes from the arguments, so the same session state always
    signs to the same string (HS256 and the claims' order are deterministic). It expires
    `lifetime` after `issued_at`, or when its session ends (`ends_at`) if sooner."""
    token = cls()
    token.payload = {
        api_settings.TOKEN_TYPE_CLAIM: cls.token_type,
        "exp": datetime_to_epoch(min(issued_at + lifetime, ends_at)),
        "iat": datetime_to_epoch(issued_at),
        **claims,
    }
    return str(token)


def session_ends_at(session: LoginSession) -> datetime:
    """When the session's login is too old to be refreshed any more."""
    ends_at: datetime = session.created_at + settings.JWT_SESSION_MAX_LIFETIME
    return ends_at


def _pair(session: LoginSession) -> TokenPair:
    ids = {api_settings.USER_ID_CLAIM: str(session.user_id), SESSION_CLAIM: session.pk}
    stamp = f"{session.pk}.{session.generation}"
    ends_at = session_ends_at(session)
    return TokenPair(
        access=_encode(
            SessionAccessToken,
            lifetime=api_settings.ACCESS_TOKEN_LIFETIME,
            issued_at=session.rotated_at,
            ends_at=ends_at,
            claims={api_settings.JTI_CLAIM: f"{stamp}.a", **ids},
        ),
        refresh=_encode(
            SessionRefreshToken,
            lifetime=api_settings.REFRESH_TOKEN_LIFETIME,
            issued_at=session.rotated_at,
            ends_at=ends_at,
            claims={
                api_settings.JTI_CLAIM: f"{stamp}.r",
                **ids,
                GENERATION_CLAIM: session.generation,
            },
        ),
    )


def _whole_second(now: datetime) -> datetime:
    # iat/exp are whole seconds: the row keeps the same instant, so re-signing from the row
    # gives the same token on every database (DATETIME(6) and SQLite alike).
    return now.replace(microsecond=0)


# --- sessions ----------------------------------------------------------------------------


def session_start(*, user: User, now: datetime) -> TokenPair:
    """A new session for a user who has just proved who they are: its first token pair."""
    now = _whole_second(now)
    session = LoginSession.objects.create(
        user=user,
        created_at=now,
        rotated_at=now,
        generation=0,
        credentials=user.get_session_auth_hash(),
    )
    return _pair(session)


def _ensure_live(*, live: bool, user: User, credentials: str) -> None:
    """Raise unless a session (live or ended) of `user`, started when the user's session
    hash was `credentials`, may still act for the user."""
    if not live:
        raise SessionEnded()
    if not user.is_active:
        raise AccountInactive()
    if not constant_time_compare(credentials, user.get_session_auth_hash()):
        raise CredentialsChanged()


# Written out: every authenticated request runs it, so it must cost no more than
# simplejwt's own user read; the ORM's join (select_related) cost more CPU than that.
@statement()
def _session_user_sql() -> str:
    """The user an access token acts for, with what its session says, in one statement:
    the user's columns in the model's order (read by `fetch_model_row`), then the session's
    credentials and whether it is live. Parameters: session id, user id."""
    s, u = Table(LoginSession, "s"), Table(User, "u")
    columns = u.columns(*(f.name for f in User._meta.concrete_fields))
    return f"""
        SELECT {columns}, {s.c.credentials} AS session_credentials,
               CASE WHEN {s.c.ended_at} IS NULL THEN 1 ELSE 0 END AS session_live
        FROM {s}
        INNER JOIN {u} ON {u.column(User._meta.pk.name)} = {s.c.user}
        WHERE {s.c.id} = %s AND {s.c.user} = %s
    """  # noqa: S608 # nosec B608


def session_user_get(*, user_id: Any, session_id: Any) -> User:
    """The user an access token acts for, if its session is live: one SELECT of the session
    joined with the user, where authentication used to read the user alone."""
    try:
        params = [int(session_id), int(user_id)]
    except (TypeError, ValueError):
        raise SessionEnded() from None
    found = fetch_model_row(User, _session_user_sql(), params)
    if found is None:
        raise SessionEnded()  # logged out long ago (purged), or the user was deleted
    user, (credentials, live) = found
    _ensure_live(live=bool(live), user=user, credentials=credentials)
    return user


def session_ensure_live(session: LoginSession) -> None:
    """Raise unless `session` (with its user loaded) may still act for the user."""
    _ensure_live(live=session.ended_at is None, user=session.user, credentials=session.credentials)


def _decode_refresh(raw: str) -> tuple[Any, Any, int]:
    """(user id, session id, generation) of a well-signed, unexpired refresh token."""
    try:
        token = SessionRefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidToken(str(exc.args[0])) from None
    try:
        generation = int(token[GENERATION_CLAIM])
        return token[api_settings.USER_ID_CLAIM], int(token[SESSION_CLAIM]), generation
    except (KeyError, TypeError, ValueError):
        # Signed by us but not a session's: minted before sessions existed. Log in again.
        raise SessionEnded() from None


def _session_read(*, user_id: Any, session_id: int) -> LoginSession:
    try:
        return LoginSession.objects.select_related("user").get(pk=session_id, user_id=user_id)
    except (LoginSession.DoesNotExist, ValueError):
        raise SessionEnded() from None


def _session_end(session_id: int, *, now: datetime, reason: str) -> bool:
    return bool(
        LoginSession.objects.filter(pk=session_id, ended_at__isnull=True).update(
            ended_at=now, end_reason=reason
        )
    )


def session_refresh(*, refresh: str, now: datetime) -> TokenPair:
    """The next token pair of the session `refresh` belongs to.

    One conditional UPDATE decides among concurrent exchanges of the same token. A loser
    within the grace window gets the winner's pair again; any other use of a token the
    session has moved past ends the session (RefreshTokenReused), so a stolen token used
    after the traveler's (or the traveler's after the thief's) locks both out.
    """
    now = _whole_second(now)
    user_id, session_id, generation = _decode_refresh(refresh)
    session = _session_read(user_id=user_id, session_id=session_id)
    session_ensure_live(session)
    if now >= session_ends_at(session):
        # Its tokens' `exp` says so already, unless signed before the cap existed.
        raise SessionExpired()
    if session.generation == generation:
        won = LoginSession.objects.filter(
            pk=session_id, generation=generation, ended_at__isnull=True
        ).update(generation=generation + 1, rotated_at=now)
        if won:
            session.generation, session.rotated_at = generation + 1, now
            return _pair(session)
        # Another exchange of the same token committed first: see what it left. This runs
        # in autocommit (no service here opens a transaction), so the read sees that commit;
        # inside a longer transaction it would see the old row and fall to reuse, the safe side.
        session = _session_read(user_id=user_id, session_id=session_id)
        session_ensure_live(session)
    grace = timedelta(seconds=settings.JWT_REFRESH_REUSE_GRACE_SECONDS)
    if session.generation == generation + 1 and now - session.rotated_at < grace:
        return _pair(session)  # the winner's own tokens: still one session
    _session_end(session_id, now=now, reason=SessionEndReason.REUSE)
    raise RefreshTokenReused()


def session_end(*, refresh: str, now: datetime) -> None:
    """Log out: end the session `refresh` belongs to, with every token it issued.

    Any refresh token of the session will do, the current one or an older one (the
    holder of an older one could end it anyway by reusing it). SessionEnded if it had
    already ended."""
    user_id, session_id, _ = _decode_refresh(refresh)
    ended = LoginSession.objects.filter(
        pk=session_id, user_id=user_id, ended_at__isnull=True
    ).update(ended_at=now, end_reason=SessionEndReason.LOGOUT)
    if not ended:
        raise SessionEnded()


def sessions_end(*, session_ids: list[int], now: datetime, reason: str) -> int:
    """End these sessions (staff: a lost phone, a suspected theft); how many were live."""
    return LoginSession.objects.filter(pk__in=session_ids, ended_at__isnull=True).update(
        ended_at=now, end_reason=reason
    )


def sessions_purge_expired(*, now: datetime) -> int:
    """Delete sessions whose every token has expired: the last refresh token issued lives
    REFRESH_TOKEN_LIFETIME from the last rotation. An ended session is kept until then
    too, so its end (and why) can be looked up while its tokens could still be shown."""
    cutoff = now - api_settings.REFRESH_TOKEN_LIFETIME
    deleted, _ = LoginSession.objects.filter(rotated_at__lt=cutoff).delete()
    return deleted
