"""E-mail backends for tests: a provider that is down."""

from django.core.mail.backends.base import BaseEmailBackend


class DownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionError("provider down")


class SlowBackend(BaseEmailBackend):
    """Records the messages it sends, slowly (so concurrent senders overlap)."""

    sent: list[int] = []

    def send_messages(self, email_messages):
        import time

        time.sleep(0.2)
        for email in email_messages:
            # our Message-ID is <...{pk}@travelguru>
            self.sent.append(int(email.extra_headers["Message-ID"].split("@")[0].split(".")[-1]))
        return len(email_messages)


class RefusingBackend(BaseEmailBackend):
    """A provider that will never take the recipient (refused for good, no retry)."""

    def send_messages(self, email_messages):
        from smtplib import SMTPRecipientsRefused

        raise SMTPRecipientsRefused({"x@example.com": (550, b"no such user")})
