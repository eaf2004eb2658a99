"""The outbox's promises: a provider outage is retried with backoff until it gives up, a
suppressed address is never sent to, and a message is sent once however many senders race."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Message, MessageStatus
from notifications.services import (
    MAX_ATTEMPTS,
    address_suppress,
    message_send,
    messages_send_due,
    queue_message,
)
from tests.notifications.samples import CONTEXTS

DOWN = "tests.notifications.backends.DownBackend"


def _queued(email="ada@example.com") -> Message:
    return queue_message(kind="refund_issued", to_email=email, language="en",
                         context=CONTEXTS["refund_issued"])  # fmt: skip


@pytest.mark.django_db
def test_an_outage_is_retried_later_and_later_then_given_up(settings):
    settings.EMAIL_BACKEND = DOWN
    message = _queued()
    at = timezone.now()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        messages_send_due(now=at)
        message.refresh_from_db()
        assert message.attempts == attempt
        if message.status != MessageStatus.PENDING:
            break
        assert message.next_attempt_at is not None
        waits.append(message.next_attempt_at - at)
        # not before its time
        messages_send_due(now=message.next_attempt_at - timedelta(seconds=1))
        message.refresh_from_db()
        assert message.attempts == attempt
        at = message.next_attempt_at
    assert waits[:7] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert message.status == MessageStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert "provider down" in message.last_error


@pytest.mark.django_db
def test_the_provider_back_sends_what_waited(settings):
    settings.EMAIL_BACKEND = DOWN
    message = _queued()
    messages_send_due(now=timezone.now())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    messages_send_due(now=timezone.now() + timedelta(minutes=1))

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_suppressed_address_is_never_sent_to():
    pending = _queued("Bounced@Example.com")
    address_suppress(email="bounced@example.com", reason="bounce", now=timezone.now())
    later = _queued("bounced@example.com")

    messages_send_due(now=timezone.now())

    for message in (pending, later):
        message.refresh_from_db()
        assert message.status == MessageStatus.SUPPRESSED
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_abandoned_claim_is_sent_by_the_retry_job():
    message = _queued()
    long_ago = timezone.now() - timedelta(hours=1)
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=long_ago)

    messages_send_due(now=timezone.now())

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(mail.outbox) == 1


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_racing_senders_send_a_message_once(settings):
    # given a pending message, and a provider that is slow enough for the senders to overlap
    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowBackend"
    from tests.notifications import backends

    backends.SlowBackend.sent.clear()
    message = Message.objects.create(
        to_email="ada@example.com", kind="refund_issued", language="en", subject="Refunded",
        text_body="Refunded.", created_at=timezone.now(),
    )  # fmt: skip
    start = threading.Barrier(6)
    results: list[str | None] = []

    def sender() -> None:
        try:
            start.wait()
            results.append(message_send(message.pk))
        finally:
            connection.close()

    # when the send after commit and retry jobs all try it at once
    threads = [threading.Thread(target=sender) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # then one of them sent it, the others found it taken
    assert sorted(results, key=str) == [None] * 5 + ["sent"]
    assert backends.SlowBackend.sent == [message.pk]


@pytest.mark.django_db
def test_a_first_send_reads_the_row_once_and_writes_it_twice(django_assert_num_queries):
    # given a message never rendered
    message = _queued()
    # when it is sent: one read (with its address's suppression), the claim that stores the
    # render, the outcome
    with django_assert_num_queries(3):
        status = message_send(message.pk)
    # then it went out as rendered and stored
    assert status == MessageStatus.SENT
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert message.rendered_at is not None
    assert mail.outbox[0].subject == message.subject


@pytest.mark.django_db
def test_a_sender_whose_claim_is_lost_after_its_read_sends_nothing():
    # given a message another sender claims between this sender's read and its claim
    from notifications import services

    message = _queued()
    read = services._message_due

    def read_then_lose(message_id, *, now):
        row = read(message_id, now=now)
        Message.objects.filter(pk=message_id).update(status=MessageStatus.SENDING, claimed_at=now)
        return row

    # when this sender goes on
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_message_due", read_then_lose)
        status = message_send(message.pk)
    # then it sent nothing and stored no render over the other sender's
    assert status is None
    assert mail.outbox == []
    message.refresh_from_db()
    assert (message.status, message.rendered_at, message.subject) == (
        MessageStatus.SENDING, None, "",
    )  # fmt: skip


@pytest.mark.django_db
def test_an_address_suppressed_with_its_case_and_spaces_is_still_suppressed():
    message = _queued(" Ada@Example.com ")
    address_suppress(email="ada@example.com", reason="complaint", now=timezone.now())

    assert message_send(message.pk) == MessageStatus.SUPPRESSED

    assert mail.outbox == []


# --- the send right after the commit, from the row just written -------------------------


@pytest.mark.django_db
def test_the_send_after_the_commit_goes_out_once_without_reading_the_row_back(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as sends:
        message = _queued()

    with CaptureQueriesContext(connection) as queries:
        for send in sends:
            send()

    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")] == []


@pytest.mark.django_db
def test_the_send_after_the_commit_never_mails_a_suppressed_address(
    django_capture_on_commit_callbacks,
):
    address_suppress(email="ada@example.com", reason="complaint", now=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        message = _queued(" Ada@Example.com ")

    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == MessageStatus.SUPPRESSED


@pytest.mark.django_db
def test_the_send_after_the_commit_leaves_a_message_another_sender_took(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as sends:
        message = _queued()
    # the retry job claimed it between the commit and this send
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now()
    )

    for send in sends:
        send()

    assert mail.outbox == []
    message.refresh_from_db()
    assert (message.status, message.rendered_at) == (MessageStatus.SENDING, None)
