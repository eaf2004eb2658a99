"""POST /api/auth/register, /api/auth/token, /api/auth/token/refresh, /api/auth/logout;
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
from accounts.services import user_authenticate, user_register
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


class UserRegisterApi(APIView):
    """Create a traveler account and log it in."""

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

        class Meta:
            ref_name = "RegisterInput"

    class OutputSerializer(serializers.Serializer[Any]):
        user = _UserSerializer()
        tokens = _TokensSerializer()

    @extend_schema(
        operation_id="auth_register",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        body = {"user": _UserSerializer(user).data, "tokens": _tokens(user)}
        return Response(body, status=status.HTTP_201_CREATED)


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
    401 `session-ended` after logout, `credentials-changed` after a password change.
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
