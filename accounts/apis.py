"""POST /api/auth/register, /api/auth/token, /api/auth/token/refresh, /api/auth/logout,
the emailed links' /api/auth/verify-email(/resend) and /api/auth/password-reset(/confirm);
GET/PATCH /api/me (served by privacy.apis.MeApi, which adds the erasure)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.authentication import request_user
from accounts.models import User
from accounts.registration import (
    LANGUAGES,
    email_verify,
    email_verify_resend,
    password_reset_confirm,
    password_reset_request,
    user_register,
)
from accounts.services import user_authenticate
from accounts.tokens import session_end, session_refresh, session_start
from travelguru.security import CountedRateThrottle
from travelguru.serializers import problem_responses


class _UserSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    username = serializers.CharField(read_only=True)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    date_joined = serializers.DateTimeField(read_only=True)
    email_verified_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="null until the emailed link is opened: until then bookings are refused (403"
        " email-not-verified); POST /api/auth/verify-email/resend sends the link again",
    )

    class Meta:
        ref_name = "User"


class _TokensSerializer(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`")
    refresh = serializers.CharField(help_text="Exchange at /api/auth/token/refresh")

    class Meta:
        ref_name = "Tokens"


def _tokens(user: User) -> dict[str, str]:
    """A new login session's first tokens."""
    return session_start(user=user, now=timezone.now()).as_dict()


class RegisterThrottle(CountedRateThrottle, AnonRateThrottle):
    scope = "register"


class EmailLinksThrottle(CountedRateThrottle):
    """Per client IP, signed in or not: the endpoints that send or use an emailed link."""

    scope = "email_links"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _language_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=LANGUAGES, default="en", help_text="The language of the email sent"
    )


class _EmailSentSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()

    class Meta:
        ref_name = "EmailSent"


def _email_sent(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


CHECK_YOUR_EMAIL = (
    "Check your email: we sent a message to this address. To finish a new account, open"
    " the link in it; you can sign in and hold a trip meanwhile."
)


class UserRegisterApi(APIView):
    """Create a traveler account: 202 "check your email", for a new address and a taken
    one alike (the address's owner is told someone tried). A new account can sign in at
    once (POST /api/auth/token) and hold; booking waits for the emailed link."""

    throttle_classes = [RegisterThrottle]

    class InputSerializer(serializers.Serializer[Any]):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(
            max_length=128,
            write_only=True,
            help_text=(
                "At least 12 characters; not one of the 20,000 most common passwords, not only"
                " digits, and not like the name, username or email (400 otherwise)."
            ),
        )
        first_name = serializers.CharField(max_length=150)
        last_name = serializers.CharField(max_length=150)
        username = serializers.RegexField(
            r"^[\w.@+-]+\Z", max_length=150, required=False, help_text="Optional"
        )
        language = _language_field()

        class Meta:
            ref_name = "RegisterInput"

    @extend_schema(
        operation_id="auth_register",
        request=InputSerializer,
        responses={202: _EmailSentSerializer, **problem_responses(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_register(**data.validated_data, now=timezone.now())
        return _email_sent(CHECK_YOUR_EMAIL)


class EmailVerifyApi(APIView):
    """Open an emailed verification link: the address is verified (bookings allowed).
    400 `link-invalid` for a malformed, expired or already used link."""

    authentication_classes: list[type[BaseAuthentication]] = []
    throttle_classes = [EmailLinksThrottle]

    class InputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField(max_length=500, help_text="The link's `token`")

        class Meta:
            ref_name = "EmailVerifyInput"

    class OutputSerializer(serializers.Serializer[Any]):
        email = serializers.EmailField()

        class Meta:
            ref_name = "EmailVerified"

    @extend_schema(
        operation_id="auth_verify_email",
        request=InputSerializer,
        responses={200: OutputSerializer, **problem_responses(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = email_verify(token=data.validated_data["token"], now=timezone.now())
        return Response({"email": user.email})


class EmailVerifyResendApi(APIView):
    """Send the signed-in traveler's verification link again (nothing if already verified)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [EmailLinksThrottle]

    class InputSerializer(serializers.Serializer[Any]):
        language = _language_field()

        class Meta:
            ref_name = "EmailVerifyResendInput"

    @extend_schema(
        operation_id="auth_verify_email_resend",
        request=InputSerializer,
        responses={202: _EmailSentSerializer, **problem_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email_verify_resend(
            user=request_user(request),
            language=data.validated_data["language"],
            now=timezone.now(),
        )
        return _email_sent("Check your email: we sent the link again.")


class PasswordResetApi(APIView):
    """Ask for a password reset link: 202 whether or not the address has an account (an
    address without one is told so, in its own mailbox). The link works once, for an hour."""

    authentication_classes: list[type[BaseAuthentication]] = []
    throttle_classes = [EmailLinksThrottle]

    class InputSerializer(serializers.Serializer[Any]):
        email = serializers.EmailField(max_length=254)
        language = _language_field()

        class Meta:
            ref_name = "PasswordResetInput"

    @extend_schema(
        operation_id="auth_password_reset",
        request=InputSerializer,
        responses={202: _EmailSentSerializer, **problem_responses(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(**data.validated_data, now=timezone.now())
        return _email_sent(
            "Check your email: we sent a message to this address with what to do next."
        )


class PasswordResetConfirmApi(APIView):
    """Set a new password with an emailed reset link's `uid` and `token`. Every session of
    the account ends (sign in again with the new password). 400 `link-invalid` for a
    malformed, expired or used link; 400 `validation-error` for a weak password."""

    authentication_classes: list[type[BaseAuthentication]] = []
    throttle_classes = [EmailLinksThrottle]

    class InputSerializer(serializers.Serializer[Any]):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        password = serializers.CharField(max_length=128, write_only=True)

        class Meta:
            ref_name = "PasswordResetConfirmInput"

    @extend_schema(
        operation_id="auth_password_reset_confirm",
        request=InputSerializer,
        responses={204: None, **problem_responses(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(**data.validated_data, now=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenObtainApi(APIView):
    """Log in with email (or username) and password: an access and a refresh token."""

    class InputSerializer(serializers.Serializer[Any]):
        email = serializers.CharField(required=False, max_length=254)
        username = serializers.CharField(required=False, max_length=150)
        password = serializers.CharField(max_length=128, write_only=True)

        class Meta:
            ref_name = "TokenInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if bool(attrs.get("email")) == bool(attrs.get("username")):
                raise serializers.ValidationError({"email": ["Give email or username."]})
            return attrs

    @extend_schema(
        operation_id="auth_token",
        request=InputSerializer,
        responses={200: _TokensSerializer, **problem_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_authenticate(
            identifier=data.validated_data.get("email") or data.validated_data["username"],
            password=data.validated_data["password"],
            ip=RegisterThrottle().get_ident(request),
            now=timezone.now(),
        )
        return Response(_tokens(user))


class TokenRefreshApi(APIView):
    """Exchange a refresh token for the session's next access and refresh tokens.

    Every refresh token works once: the answer carries the next one. Using one again ends
    the session with every token it issued (401 `refresh-token-reused`): one of the two
    users of the same token was not the traveler. Two tabs refreshing with the same token
    within a few seconds (JWT_REFRESH_REUSE_GRACE_SECONDS) both get the same new tokens.
    401 `session-ended` after logout, `credentials-changed` after a password change,
    `session-expired` once the login is older than JWT_SESSION_MAX_DAYS (log in again).
    """

    authentication_classes: list[type[BaseAuthentication]] = []
    www_authenticate_realm = "api"

    class InputSerializer(serializers.Serializer[Any]):
        refresh = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "TokenRefresh"

    def get_authenticate_header(self, request: Request) -> str:
        # The refresh token is the credential here: a 401 stays a 401 (DRF turns it into
        # 403 when the view names no way to authenticate).
        return f'Bearer realm="{self.www_authenticate_realm}"'

    @extend_schema(
        operation_id="auth_token_refresh_create",
        request=InputSerializer,
        responses={200: _TokensSerializer, **problem_responses(400, 401)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = session_refresh(refresh=data.validated_data["refresh"], now=timezone.now())
        return Response(pair.as_dict())


class LogoutApi(APIView):
    """Log out: the session the refresh token belongs to ends, with every token it issued.

    Its access tokens stop working at once (they carry the session). Anyone holding a
    refresh token of the session may end it, so no access token is needed.
    """

    authentication_classes: list[type[BaseAuthentication]] = []

    class InputSerializer(serializers.Serializer[Any]):
        refresh = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "LogoutInput"

    @extend_schema(
        operation_id="auth_logout",
        request=InputSerializer,
        responses={204: None, **problem_responses(400)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            session_end(refresh=data.validated_data["refresh"], now=timezone.now())
        except AuthenticationFailed:
            raise serializers.ValidationError(
                {"refresh": ["Not a valid refresh token (expired or already logged out)."]}
            ) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """The logged-in traveler's own account."""

    # GET and PATCH only: privacy.apis.MeApi serves /api/me with these and adds DELETE, the
    # erasure, which asks every app above accounts for its part.
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer[Any]):
        first_name = serializers.CharField(max_length=150, required=False)
        last_name = serializers.CharField(max_length=150, required=False)

        class Meta:
            ref_name = "MeInput"

    @extend_schema(
        operation_id="me_retrieve", responses={200: _UserSerializer, **problem_responses(401)}
    )
    def get(self, request: Request) -> Response:
        return Response(_UserSerializer(request.user).data)

    @extend_schema(
        operation_id="me_update",
        request=InputSerializer,
        responses={200: _UserSerializer, **problem_responses(400, 401)},
    )
    def patch(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = request_user(request)
        for field, value in data.validated_data.items():
            setattr(user, field, value.strip())
        user.save(update_fields=[*data.validated_data])
        return Response(_UserSerializer(user).data)
