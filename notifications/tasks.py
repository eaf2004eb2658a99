"""The send as a Zappa asynchronous task: on Lambda, `message_send_task(id)` returns at
once and another invocation of the function sends (Zappa's `task` invokes it with
`InvocationType=Event`). Imported only where the dispatch is `zappa` (it imports boto3)."""

from __future__ import annotations

from zappa.asynchronous import task


@task
def message_send_task(message_id: int) -> None:
    import django
    from django.apps import apps

    if not apps.ready:  # a cold invocation started for this task alone
        django.setup()
    from notifications.services import message_send

    message_send(message_id)
