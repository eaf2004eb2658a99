from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Traveler behaviour events, admin dashboard, QuickSight export (to come)."""

    name = "analytics"
