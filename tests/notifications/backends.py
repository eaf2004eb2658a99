"""E-mail backends for tests: a provider that is down."""

from django.core.mail.backends.base import BaseEmailBackend


class DownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionError("provider down")
