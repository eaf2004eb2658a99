from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.hooks import offer_view_recorded
from search.offers import offer_decode
from search.selectors.offers import offer_quote
from travelguru.serializers import MoneySerializer


class OfferDetailApi(APIView):
    """Re-price an offer id from live inventory (the search index may be stale)."""

    class OutputSerializer(serializers.Serializer):
        offer_id = serializers.CharField()
        kind = serializers.ChoiceField(choices=["flight", "hotel", "car"])
        description = serializers.CharField()
        price = MoneySerializer(help_text="What it costs now")
        quoted_price = MoneySerializer(help_text="What the search quoted")
        price_changed = serializers.BooleanField()
        available = serializers.IntegerField(help_text="Units left: seats, rooms or cars")
        bookable = serializers.BooleanField(help_text="Enough units left for this offer")

    @extend_schema(
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(description="Not an offer id we issued"),
            404: OpenApiResponse(description="What the offer was for is no longer sold"),
            409: OpenApiResponse(
                description="The offer expired, or its trip has begun at the place "
                "(offer-started), or a night needs a longer stay (stay-too-short): search again"
            ),
        }
    )
    @offer_view_recorded
    def get(self, request: Request, offer_id: str) -> Response:
        offer = offer_decode(offer_id)
        quote = offer_quote(offer=offer, now=timezone.now())
        data = {
            "offer_id": offer_id,
            "kind": offer.kind,
            "description": quote.description,
            "price": quote.price,
            "quoted_price": offer.price,
            "price_changed": quote.price_changed,
            "available": quote.available,
            "bookable": quote.bookable,
        }
        return Response(self.OutputSerializer(data).data)
