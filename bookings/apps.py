from django.apps import AppConfig


class BookingsConfig(AppConfig):
    """Holds, bookings, travelers, payments (issue: booking that never oversells)."""

    name = "bookings"
