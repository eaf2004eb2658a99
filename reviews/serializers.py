"""How a subject's rating is shown wherever it appears (detail, search results, reviews)."""

from rest_framework import serializers


class RatingSerializer(serializers.Serializer):
    """What travelers said of a hotel, car vendor or airline (approved reviews only)."""

    average = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    count = serializers.IntegerField()
    distribution = serializers.DictField(
        child=serializers.IntegerField(), help_text='Reviews per star: {"1": 0, …, "5": 12}'
    )
    sub_scores = serializers.DictField(
        child=serializers.FloatField(), help_text='Averages, e.g. {"cleanliness": 4.5}'
    )

    class Meta:
        ref_name = "Rating"
