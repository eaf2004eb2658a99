"""The request that queues a message renders nothing: it writes the kind, language and
context; the send renders once, keeps what it rendered on the row, and sends exactly that."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message, MessageStatus
from notifications.services import message_render, message_send, queue_message, resend
from tests.factories.accounts import UserFactory
from tests.notifications.samples import CONTEXTS

pytestmark = pytest.mark.django_db

DOWN = "tests.notifications.backends.DownBackend"


def _confirmation() -> Message:
    return queue_message(kind="booking_confirmed", to_email="ada@example.com", language="fr",
                         context=CONTEXTS["booking_confirmed"], now=timezone.now())  # fmt: skip


def test_queueing_renders_nothing_and_keeps_the_context():
    # when a message is queued (no template, no calendar in the caller's request)
    with mock.patch("notifications.services.render_to_string") as render:
        message = _confirmation()
    # then only its context is written
    render.assert_not_called()
    message.refresh_from_db()
    assert (message.rendered_at, message.subject, message.text_body, message.attachments) == (
        None, "", "", [],
    )  # fmt: skip
    assert message.context["reference"] == "TG-7K3QXM"


def test_the_send_stores_what_it_renders_and_sends_exactly_that():
    message = _confirmation()
    expected = message_render(kind="booking_confirmed", language="fr",
                              context=CONTEXTS["booking_confirmed"])  # fmt: skip

    assert message_send(message.pk) == MessageStatus.SENT

    message.refresh_from_db()
    assert message.rendered_at is not None
    stored = (message.subject, message.text_body, message.html_body, message.attachments)
    assert stored == expected
    sent = mail.outbox[0]
    assert isinstance(sent, EmailMultiAlternatives)
    assert (sent.subject, sent.body, sent.alternatives[0][0]) == expected[:3]
    [(filename, content, mimetype)] = sent.attachments
    assert [{"filename": filename, "mimetype": mimetype, "content": content}] == expected[3]


def test_a_retry_sends_what_the_first_attempt_rendered(settings):
    # given a first send rendered the message, and the provider was down
    settings.EMAIL_BACKEND = DOWN
    message = _confirmation()
    assert message_send(message.pk) == MessageStatus.PENDING
    message.refresh_from_db()
    first = (message.subject, message.text_body, message.html_body, message.attachments)
    assert first[0]
    # when the retry runs (and the templates could no longer render)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with mock.patch("notifications.services.render_to_string", side_effect=AssertionError):
        status = message_send(message.pk, now=timezone.now() + timedelta(minutes=2))
    # then it sends the stored render
    assert status == MessageStatus.SENT
    assert mail.outbox[0].subject == first[0]
    assert mail.outbox[0].body == first[1]


def test_a_render_that_fails_is_retried_and_says_why(settings):
    message = _confirmation()
    with mock.patch("notifications.services.render_to_string", side_effect=KeyError("x")):
        assert message_send(message.pk) == MessageStatus.PENDING
    message.refresh_from_db()
    assert (message.attempts, message.rendered_at) == (1, None)
    assert "KeyError" in message.last_error
    assert mail.outbox == []


def test_staff_see_a_message_not_sent_yet_as_its_send_will_render_it(admin_client):
    message = _confirmation()

    page = admin_client.get(reverse("admin:notifications_message_change", args=[message.pk]))

    assert page.status_code == 200
    body = page.content.decode()
    assert "not rendered yet" in body
    assert "Votre voyage TG-7K3QXM est réservé" in body
    assert "TG-7K3QXM.ics" in body
    message.refresh_from_db()
    assert message.rendered_at is None  # the view saved nothing


def test_a_resend_of_a_message_never_rendered_is_rendered_by_its_own_send():
    message = _confirmation()
    staff = UserFactory.create(is_staff=True)

    copy = resend(message, by_user=staff, reason="asked again")
    message_send(copy.pk)

    copy.refresh_from_db()
    assert (copy.status, copy.context) == (MessageStatus.SENT, message.context)
    assert copy.subject == "Votre voyage TG-7K3QXM est réservé"
