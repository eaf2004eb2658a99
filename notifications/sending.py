"""The provider call: one message to Django's e-mail backend (SES through anymail on
Lambda, an SMTP sink locally, memory in tests). Returns the provider's message id."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from notifications.models import Message


class ProviderRefused(Exception):
    """The provider will never take this message (a rejected recipient): no retry."""


def deliver(message: Message) -> str:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        from_email=settings.NOTIFICATIONS_FROM_EMAIL,
        to=[message.to_email],
        # Our own Message-ID: the id a local sink or SMTP server has for it (SES gives its own).
        headers={"Message-ID": make_msgid(idstring=str(message.pk), domain="travelguru")},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for attachment in message.attachments:
        email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    try:
        email.send(fail_silently=False)
    except Exception as exc:
        if _refused_for_good(exc):
            raise ProviderRefused(str(exc)) from exc
        raise
    return _provider_id(email) or email.extra_headers["Message-ID"]


def _refused_for_good(exc: Exception) -> bool:
    from smtplib import SMTPRecipientsRefused

    if isinstance(exc, SMTPRecipientsRefused):
        return True
    from anymail.exceptions import AnymailRecipientsRefused

    if isinstance(exc, AnymailRecipientsRefused):
        return True
    status = getattr(exc, "anymail_status", None)
    return bool(status is not None and getattr(status, "status", None) == {"rejected"})


def _provider_id(email: EmailMultiAlternatives) -> str | None:
    status = getattr(email, "anymail_status", None)  # set by anymail's backends
    return str(status.message_id) if status is not None and status.message_id else None
