"""Messages queued before one-time links were kept apart: a pending one's links move to its
secrets, and no message keeps a link in its context or in a stored render."""

from django.db import migrations

# The kinds' one-time context keys as they are at this migration (notifications.kinds).
ONE_TIME = {"password_reset": ("reset_url",), "verify_email": ("verify_url",)}
SHOWN = "(one-time link, not shown)"


def forward(apps, schema_editor):
    Message = apps.get_model("notifications", "Message")
    for message in Message.objects.filter(kind__in=list(ONE_TIME)).iterator():
        keys = [k for k in ONE_TIME[message.kind] if k in message.context]
        links = [str(message.context[k]) for k in keys]
        if not links:
            continue
        pending = message.status in ("pending", "sending")
        secrets = {k: message.context[k] for k in keys} if pending else {}
        context = {**message.context, **dict.fromkeys(keys, SHOWN)}
        for k in keys:
            context.pop(k)
        changes = {"context": context, "secrets": secrets}
        for field in ("subject", "text_body", "html_body"):
            text = getattr(message, field)
            for link in links:
                text = text.replace(link, SHOWN).replace(link.replace("&", "&amp;"), SHOWN)
            changes[field] = text
        Message.objects.filter(pk=message.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_message_secrets")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
