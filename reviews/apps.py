from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Verified reviews, moderation and rating aggregates."""

    name = "reviews"
