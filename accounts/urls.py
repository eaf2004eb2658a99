from django.urls import path

from travelguru.lazy_views import LazyApiView

# Imported at their first request, not with the URLconf (cold start: travelguru/lazy_views.py).
urlpatterns = [
    path("auth/register", LazyApiView("accounts.apis.UserRegisterApi"), name="auth-register"),
    path("auth/token", LazyApiView("accounts.apis.TokenObtainApi"), name="auth-token"),
    path(
        "auth/token/refresh",
        LazyApiView("accounts.apis.TokenRefreshApi"),
        name="auth-token-refresh",
    ),
    path("auth/logout", LazyApiView("accounts.apis.LogoutApi"), name="auth-logout"),
    path(
        "auth/verify-email", LazyApiView("accounts.apis.EmailVerifyApi"), name="auth-verify-email"
    ),
    path(
        "auth/verify-email/resend",
        LazyApiView("accounts.apis.EmailVerifyResendApi"),
        name="auth-verify-email-resend",
    ),
    path(
        "auth/password-reset",
        LazyApiView("accounts.apis.PasswordResetApi"),
        name="auth-password-reset",
    ),
    path(
        "auth/password-reset/confirm",
        LazyApiView("accounts.apis.PasswordResetConfirmApi"),
        name="auth-password-reset-confirm",
    ),
]
