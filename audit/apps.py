from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who on the staff did what to which booking, refund or review, when and why."""

    name = "audit"
