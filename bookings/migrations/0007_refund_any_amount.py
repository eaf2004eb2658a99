from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0006_refund_permissions'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='booking',
            options={'ordering': ['-created_at'], 'permissions': [('refund_booking', 'Can cancel and refund bookings'), ('refund_any_amount', 'Can refund bookings above the support refund limit')]},
        ),
    ]
