"""Bearer access tokens that end with their session (accounts.tokens)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User
from accounts.tokens import SESSION_CLAIM, session_user_get


class SessionJWTAuthentication(JWTAuthentication):
    """simplejwt's header parsing and signature checks; the user comes from the token's
    session, read with the user in the one query simplejwt spends on the user alone.

    A token is refused (401 with its own code) when its session was logged out or ended by
    refresh-token reuse, the user was deactivated or deleted, or the password changed
    since the login, from the next request on, not when the token expires.
    """

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
