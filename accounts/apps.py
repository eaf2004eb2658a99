from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Travelers and staff: a custom user model from day one (email is the login)."""

    name = "accounts"
