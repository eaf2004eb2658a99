"""A password reset or verification link works for whoever holds it: the traveler's mailbox
gets it, and once the send is over no row keeps it, whatever road the send ended by (sent,
refused, given up, suppressed); staff see the message with the link masked and cannot resend
it."""

from __future__ import annotations

import importlib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.registration import email_verify_send, password_reset_request
from notifications.models import Message, MessageStatus
from notifications.services import (
    MAX_ATTEMPTS,
    ONE_TIME_LINK_SHOWN,
    address_suppress,
    message_content,
    message_send,
    messages_send_due,
    resend,
)
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

DOWN = "tests.notifications.backends.DownBackend"
REFUSING = "tests.notifications.backends.RefusingBackend"


def _reset_queued(email: str = "grace@example.com") -> Message:
    UserFactory.create(email=email, first_name="Grace")
    password_reset_request(email=email, language="en", now=timezone.now())
    return Message.objects.get(to_email=email, kind="password_reset")


def _token_in(text: str) -> str:
    links = re.findall(r"https?://\S+", text)
    assert links, "no link in the email"
    return dict(parse_qsl(urlsplit(links[0]).query))["token"]


def _row_text(message: Message) -> str:
    """Everything the message's row holds, as one string."""
    message.refresh_from_db()
    return repr(
        [
            message.context,
            message.secrets,
            message.subject,
            message.text_body,
            message.html_body,
            message.attachments,
            message.last_error,
        ]
    )


def test_the_traveler_gets_a_working_link_and_no_row_keeps_it(api_client):
    message = _reset_queued()

    assert message_send(message.pk) == MessageStatus.SENT

    (email,) = mail.outbox
    token = _token_in(str(email.body))
    assert isinstance(email, EmailMultiAlternatives)
    assert token in str(email.alternatives[0][0]).replace("&amp;", "&")
    assert token not in _row_text(message)
    assert message.secrets == {}
    # staff see what was sent, the link masked
    assert ONE_TIME_LINK_SHOWN in message_content(message)[1]
    # and the link the traveler got works
    uid = dict(parse_qsl(urlsplit(re.findall(r"https?://\S+", str(email.body))[0]).query))["uid"]
    response = api_client.post(
        "/api/auth/password-reset/confirm",
        {"uid": uid, "token": token, "password": "a new long passphrase 42"},
        format="json",
    )
    assert response.status_code == 204, response.content


def test_a_pending_link_is_kept_apart_and_masked_for_staff_until_sent():
    message = _reset_queued()

    assert set(message.secrets) == {"reset_url"}
    assert "reset_url" not in message.context
    token = _token_in(message.secrets["reset_url"])
    assert token not in repr([message.context, message.text_body, message.html_body])
    subject, text, html, _ = message_content(message)
    assert token not in text + html
    assert ONE_TIME_LINK_SHOWN in text


def test_a_retry_after_an_outage_sends_the_link_and_then_forgets_it(settings):
    message = _reset_queued()
    settings.EMAIL_BACKEND = DOWN

    assert message_send(message.pk) == MessageStatus.PENDING
    token = _token_in(message.secrets["reset_url"])
    assert token not in repr([message.text_body, message.html_body])  # the render stored
    message.refresh_from_db()
    assert message.secrets  # still to be sent: kept

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert message.next_attempt_at is not None
    messages_send_due(now=message.next_attempt_at)

    (email,) = mail.outbox
    assert _token_in(str(email.body)) == token
    assert token not in _row_text(message)


def test_a_send_given_up_or_refused_for_good_forgets_the_link(settings):
    given_up, refused = _reset_queued("ada@example.com"), _reset_queued("bob@example.com")
    tokens = [_token_in(m.secrets["reset_url"]) for m in (given_up, refused)]
    settings.EMAIL_BACKEND = DOWN
    Message.objects.filter(pk=given_up.pk).update(attempts=MAX_ATTEMPTS - 1)

    assert message_send(given_up.pk) == MessageStatus.FAILED
    settings.EMAIL_BACKEND = REFUSING
    assert message_send(refused.pk) == MessageStatus.FAILED

    for message, token in zip((given_up, refused), tokens, strict=True):
        assert token not in _row_text(message)
        assert message.secrets == {}


def test_a_suppressed_address_forgets_its_pending_link():
    message = _reset_queued()
    token = _token_in(message.secrets["reset_url"])

    address_suppress(email="grace@example.com", reason="bounce", now=timezone.now())

    assert token not in _row_text(message)
    assert message.status == MessageStatus.SUPPRESSED


def test_the_retry_job_forgets_links_of_messages_ended_by_any_other_road():
    message = _reset_queued()
    token = _token_in(message.secrets["reset_url"])
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)

    messages_send_due(now=timezone.now())

    assert token not in _row_text(message)


def test_a_verification_link_is_kept_apart_too():
    user = UserFactory.create(email="ver@example.com")
    email_verify_send(user=user, language="en")
    message = Message.objects.get(kind="verify_email")
    token = dict(parse_qsl(urlsplit(message.secrets["verify_url"]).query))["token"]

    url = message.secrets["verify_url"]

    message_send(message.pk)

    assert _token_in(str(mail.outbox[0].body)) == token
    row = _row_text(message)
    assert token not in row
    assert url not in row


def test_staff_cannot_resend_a_one_time_link():
    message = _reset_queued()
    message_send(message.pk)
    staff = UserFactory.create(is_staff=True)

    with pytest.raises(ValueError, match="one-time link"):
        resend(message, by_user=staff, reason="the traveler did not get it")

    assert Message.objects.filter(kind="password_reset").count() == 1


def test_messages_queued_before_keep_no_usable_link_after_the_migration():
    migration = importlib.import_module("notifications.migrations.0004_one_time_links_not_kept")
    link = "https://t.example/reset-password?uid=MQ&token=abc-123"
    sent = Message.objects.create(
        to_email="old@example.com", kind="password_reset", language="en",
        context={"has_account": True, "first_name": "O", "reset_url": link},
        text_body=f"Reset: {link}\n", html_body=f'<a href="{link.replace("&", "&amp;")}">x</a>',
        rendered_at=timezone.now(), status=MessageStatus.SENT, created_at=timezone.now(),
    )  # fmt: skip
    pending = Message.objects.create(
        to_email="new@example.com", kind="password_reset", language="en",
        context={"has_account": True, "first_name": "N", "reset_url": link},
        created_at=timezone.now(),
    )  # fmt: skip

    migration.forward(apps, None)

    assert "abc-123" not in _row_text(sent)
    assert ONE_TIME_LINK_SHOWN in sent.text_body
    pending.refresh_from_db()
    assert pending.secrets == {"reset_url": link}  # still to be sent: kept apart
    assert "abc-123" not in repr(pending.context)


def test_the_send_right_after_the_request_sends_the_link_and_keeps_none(
    api_client, django_capture_on_commit_callbacks
):
    """The usual road: the API request queues the reset, its process sends it after the
    response from the row it wrote (no read back)."""
    UserFactory.create(email="quick@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/auth/password-reset", {"email": "quick@example.com"}, format="json"
        )

    assert response.status_code == 202
    (email,) = mail.outbox
    token = _token_in(str(email.body))
    message = Message.objects.get(kind="password_reset")
    assert message.status == MessageStatus.SENT
    assert token not in _row_text(message)
