from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The outbox: every e-mail to a traveler is a row, rendered when queued, sent after
    the commit that queued it, retried while the provider is down, never sent twice."""

    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import dispatch

        dispatch.connect_request_hooks()
