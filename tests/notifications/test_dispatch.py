"""On Lambda a queued message is sent by a Zappa asynchronous task (another invocation of
the function), started after the commit; a task that cannot be started leaves the row for
the retry job and never fails the request."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.models import Message, MessageStatus
from notifications.services import queue_message
from tests.notifications.samples import CONTEXTS

pytestmark = pytest.mark.django_db


class FakeLambdaAsync:
    """Stands for zappa.asynchronous.LambdaAsyncResponse: records what would be invoked."""

    sent: list[tuple[str | None, str, tuple]] = []
    fail = False

    def __init__(self, lambda_function_name=None, aws_region=None, capture_response=False):
        self.name = lambda_function_name

    def send(self, task_path, args, kwargs):
        if self.fail:
            raise ConnectionError("Lambda throttled")
        self.sent.append((self.name, task_path, tuple(args)))
        return self


@pytest.fixture
def on_lambda(settings, monkeypatch):
    from zappa import asynchronous

    settings.NOTIFICATIONS_DISPATCH = "zappa"
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "travelguru-prod")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setitem(asynchronous.ASYNC_CLASSES, "lambda", FakeLambdaAsync)
    FakeLambdaAsync.sent, FakeLambdaAsync.fail = [], False
    return FakeLambdaAsync


def _queue():
    return queue_message(kind="refund_issued", to_email="ada@example.com", language="en",
                         context=CONTEXTS["refund_issued"])  # fmt: skip


def test_the_send_is_a_task_for_the_function_itself_after_commit(
    on_lambda, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = _queue()
    assert on_lambda.sent == []  # nothing before the commit

    for callback in callbacks:
        callback()

    assert on_lambda.sent == [
        ("travelguru-prod", "notifications.tasks.message_send_task", (message.pk,))
    ]
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING  # this invocation sent nothing
    assert mail.outbox == []

    # the task's own invocation sends it
    from notifications.tasks import message_send_task

    message_send_task.sync(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(mail.outbox) == 1


def test_a_task_lambda_refuses_leaves_the_message_pending(
    on_lambda, django_capture_on_commit_callbacks
):
    on_lambda.fail = True
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue()

    assert Message.objects.get(pk=message.pk).status == MessageStatus.PENDING
