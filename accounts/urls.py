from django.urls import path

from accounts.apis import LogoutApi, MeApi, TokenObtainApi, TokenRefreshApi, UserRegisterApi

urlpatterns = [
    path("auth/register", UserRegisterApi.as_view(), name="auth-register"),
    path("auth/token", TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh", TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout", LogoutApi.as_view(), name="auth-logout"),
    path("me", MeApi.as_view(), name="me"),
]
