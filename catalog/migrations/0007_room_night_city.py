from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_city(apps, schema_editor):
    RoomNight = apps.get_model("catalog", "RoomNight")
    RoomType = apps.get_model("catalog", "RoomType")
    RoomNight.objects.update(
        city_id=Subquery(
            RoomType.objects.filter(pk=OuterRef("room_type_id")).values("hotel__city_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_leg_indexes_cover_search"),
    ]

    # Added empty, filled from each night's hotel, then made required.
    operations = [
        migrations.AddField(
            model_name="roomnight",
            name="city",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="catalog.city",
            ),
        ),
        migrations.RunPython(fill_city, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="roomnight",
            index=models.Index(fields=["city", "date", "price"], name="room_night_city_price"),
        ),
        # Added before the old one is removed: MySQL keeps an index leading with each foreign
        # key, and refuses to drop the last one.
        migrations.AddIndex(
            model_name="hotel",
            index=models.Index(
                fields=["city", "is_published", "currency"], name="hotel_city_currency"
            ),
        ),
        migrations.RemoveIndex(model_name="hotel", name="catalog_hot_city_id_e1d371_idx"),
        migrations.AlterField(
            model_name="roomnight",
            name="city",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="catalog.city",
            ),
        ),
    ]
