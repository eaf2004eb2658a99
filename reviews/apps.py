from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Verified reviews and rating aggregates (to come)."""

    name = "reviews"
