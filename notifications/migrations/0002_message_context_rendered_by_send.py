from django.db import migrations, models


def mark_existing_rendered(apps, schema_editor):
    # Rows queued before this were rendered when queued: their content is what was sent.
    Message = apps.get_model("notifications", "Message")
    Message.objects.filter(rendered_at__isnull=True).update(rendered_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_outbox'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='context',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='message',
            name='rendered_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='message',
            name='subject',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name='message',
            name='text_body',
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(mark_existing_rendered, migrations.RunPython.noop),
    ]
