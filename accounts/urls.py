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
]
