"""Bearer access tokens that end with their session (accounts.tokens)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.models import User
from accounts.tokens import SESSION_CLAIM, session_user_get

# Access tokens whose signature was checked, by their exact bytes: (token class, claims).
_verified: dict[bytes, tuple[type[Token], dict[str, Any]]] = {}
_VERIFIED_MAX = 4096


class SessionJWTAuthentication(JWTAuthentication):
    """simplejwt's header parsing and signature checks; the user comes from the token's
    session, read with the user in the one query simplejwt spends on the user alone.

    A token is refused (401 with its own code) when its session was logged out or ended by
    refresh-token reuse, the user was deactivated or deleted, or the password changed
    since the login, from the next request on, not when the token expires.
    """

    def get_validated_token(self, raw_token: bytes) -> Token:
        """simplejwt's token, its signature checked once per process and token.

        A traveler's app sends the same access token with every request until it refreshes
        it; PyJWT's decoding and signature check cost as much as the session's read. A token
        whose signature was checked is remembered (its exact bytes, with its claims); a
        later request with it has its claims checked again (expiry, type, id) as simplejwt
        checks them, and the session is read as on every request: a logout still takes
        effect on the next request. Anything the remembered claims fail is decided by
        simplejwt anew, with its own error.
        """
        known = _verified.get(raw_token)
        if known is not None:
            token_class, payload = known
            token = token_class.__new__(token_class)
            # simplejwt keeps the bytes it was given (its annotation says a Token).
            token.token = raw_token  # type: ignore[assignment]
            token.current_time, token.payload = aware_utcnow(), dict(payload)
            try:
                token.verify()
            except TokenError:
                _verified.pop(raw_token, None)
            else:
                return token
        token = super().get_validated_token(raw_token)
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()  # a process sees few travelers' tokens at a time
        _verified[raw_token] = (type(token), dict(token.payload))
        return token

    def get_user(self, validated_token: Any) -> Any:
        return session_user_get(
            user_id=validated_token.get(api_settings.USER_ID_CLAIM),
            session_id=validated_token.get(SESSION_CLAIM),
        )


def request_user(request: HttpRequest | Request) -> User:
    """The user of a request whose view lets only logged-in users in (IsAuthenticated, the
    admin's staff views). `request.user` may be anonymous as far as the types go; here that
    would be a view wired without its check, refused rather than served."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied()
    return user
