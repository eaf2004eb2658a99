from django.db import migrations, models


def fill_zones(apps, schema_editor):
    """Items booked before the zones were kept take them from the catalog rows they sold."""
    BookingItem = apps.get_model("bookings", "BookingItem")
    RoomType = apps.get_model("catalog", "RoomType")
    RentalCar = apps.get_model("catalog", "RentalCar")
    FlightFare = apps.get_model("catalog", "FlightFare")
    for item in BookingItem.objects.filter(start_timezone="").iterator():
        offer = item.offer if isinstance(item.offer, dict) else {}
        start = end = ""
        if item.kind == "hotel" and offer.get("room_type_id"):
            row = RoomType.objects.filter(pk=offer["room_type_id"]).values(
                "hotel__city__timezone"
            ).first()
            start = end = row["hotel__city__timezone"] if row else ""
        elif item.kind == "car" and offer.get("car_id"):
            row = RentalCar.objects.filter(pk=offer["car_id"]).values(
                "office__airport__timezone"
            ).first()
            start = end = row["office__airport__timezone"] if row else ""
        elif item.kind == "flight":
            ids = [*offer.get("outbound_fare_ids", []), *offer.get("return_fare_ids", [])]
            fares = list(FlightFare.objects.filter(pk__in=ids).values(
                "leg__departure_at", "leg__arrival_at",
                "leg__origin__timezone", "leg__destination__timezone",
            ))
            if fares:
                start = min(fares, key=lambda f: f["leg__departure_at"])["leg__origin__timezone"]
                end = max(fares, key=lambda f: f["leg__arrival_at"])["leg__destination__timezone"]
        if start or end:
            BookingItem.objects.filter(pk=item.pk).update(start_timezone=start, end_timezone=end)


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0006_refund_permissions"),
        ("catalog", "0002_place_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingitem",
            name="start_timezone",
            field=models.CharField(blank=True, db_default="", max_length=64),
        ),
        migrations.AddField(
            model_name="bookingitem",
            name="end_timezone",
            field=models.CharField(blank=True, db_default="", max_length=64),
        ),
        migrations.RunPython(fill_zones, migrations.RunPython.noop),
    ]
