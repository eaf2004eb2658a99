"""GET /api/cars/search: cars at an airport free for the whole rental, each an offer."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.hooks import search_recorded
from catalog.models import CarClass, Transmission
from reviews.serializers import RatingSerializer
from search.apis.common import (
    CommaListField,
    PageAnswer,
    PublicCacheMixin,
    TravelDateField,
    cached_page,
    index_freshness,
    page_answer,
)
from search.apis.flights import IataCodeField
from search.limits import rental_errors
from search.offers import CarOffer, offer_encode
from search.selectors.cars import SORTS, CarResult, Rental, car_offers_list
from travelguru.serializers import MoneySerializer, page_fields, parse_query, problem_responses


class CarSearchApi(PublicCacheMixin, APIView):
    """Rental cars at an airport (or one office) with one free on every day of the rental."""

    class InputSerializer(serializers.Serializer):
        location = IataCodeField(
            required=False, help_text="IATA code of the airport, e.g. LHR (or give office)"
        )
        office = serializers.IntegerField(
            required=False, min_value=1, max_value=2**53,
            help_text="One rental office's id (instead of location)",
        )  # fmt: skip
        pick_up = TravelDateField(help_text="Pick-up day (local)")
        drop_off = TravelDateField(help_text="Drop-off day (local); 1 to 30 days later")
        car_class = CommaListField(
            child=serializers.ChoiceField(choices=CarClass.choices),
            required=False,
            max_length=len(CarClass.choices),
            help_text="One or more classes, comma-separated",
        )
        transmission = serializers.ChoiceField(choices=Transmission.choices, required=False)
        sort = serializers.ChoiceField(choices=SORTS, default="price")
        page = serializers.IntegerField(required=False, min_value=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=50)

        class Meta:
            ref_name = "CarSearchInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("location" in attrs) == ("office" in attrs):
                message = "Give an airport (location) or an office, not both."
                if "location" not in attrs:
                    message = "Give an airport (location) or an office."
                raise serializers.ValidationError({"location": message})
            # The rules a car offer id is held to as well (search.limits).
            errors = rental_errors(pick_up=attrs["pick_up"], drop_off=attrs["drop_off"])
            if errors:
                raise serializers.ValidationError(errors)
            return attrs

    class OutputSerializer(serializers.Serializer):
        offer_id = serializers.CharField(help_text="Opaque, signed; give it to POST /api/holds")
        kind = serializers.CharField(help_text='Always "car"')
        vendor = inline_serializer(
            "CarVendor",
            fields={
                "id": serializers.IntegerField(),
                "code": serializers.CharField(),
                "name": serializers.CharField(),
                "rating": RatingSerializer(),
            },
        )
        office = inline_serializer(
            "CarOffice",
            fields={
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "airport": serializers.CharField(help_text="IATA code"),
                "opens_at": serializers.CharField(),
                "closes_at": serializers.CharField(),
            },
        )
        car = inline_serializer(
            "CarDetails",
            fields={
                "car_class": serializers.ChoiceField(choices=CarClass.choices),
                "class_name": serializers.CharField(),
                "model_name": serializers.CharField(help_text='"or similar"'),
                "seats": serializers.IntegerField(),
                "doors": serializers.IntegerField(),
                "bags": serializers.IntegerField(),
                "transmission": serializers.ChoiceField(choices=Transmission.choices),
                "air_conditioning": serializers.BooleanField(),
                "unlimited_mileage": serializers.BooleanField(),
            },
        )
        pick_up = serializers.DateField()
        drop_off = serializers.DateField()
        days = serializers.IntegerField()
        price = MoneySerializer(help_text="The whole rental")
        price_per_day = MoneySerializer()
        available = serializers.IntegerField(help_text="Cars left on the busiest day")

        def to_representation(self, result: CarResult) -> dict[str, Any]:
            car, office, rental = result.car, result.car.office, result.rental
            return {
                "offer_id": offer_encode(
                    CarOffer(
                        car_id=car.pk,
                        pick_up=rental.pick_up,
                        drop_off=rental.drop_off,
                        price=result.price,
                    )
                ),
                "kind": "car",
                "vendor": {
                    "id": office.vendor_id,
                    "code": office.vendor.code,
                    "name": office.vendor.name,
                    "rating": result.vendor_rating,
                },
                "office": {
                    "id": office.pk,
                    "name": office.name,
                    "airport": office.airport.iata,
                    "opens_at": office.opens_at.strftime("%H:%M"),
                    "closes_at": office.closes_at.strftime("%H:%M"),
                },
                "car": {
                    "car_class": car.car_class,
                    "class_name": car.get_car_class_display(),
                    "model_name": f"{car.model_name} or similar",
                    "seats": car.seats,
                    "doors": car.doors,
                    "bags": car.bags,
                    "transmission": car.transmission,
                    "air_conditioning": car.air_conditioning,
                    "unlimited_mileage": car.unlimited_mileage,
                },
                "pick_up": rental.pick_up.isoformat(),
                "drop_off": rental.drop_off.isoformat(),
                "days": rental.days,
                "price": result.price.as_json(),
                "price_per_day": result.price_per_day.as_json(),
                "available": result.available,
            }

    @extend_schema(
        operation_id="cars_search",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "CarSearchPage",
                fields={
                    **page_fields(),
                    "results": OutputSerializer(many=True),
                    "indexed_at": serializers.DateTimeField(allow_null=True),
                },
            ),
            **problem_responses(400),
        },
    )
    @search_recorded("car")
    def get(self, request: Request) -> Response:
        query = parse_query(self.InputSerializer, request)
        return cached_page(
            request=request,
            kind="car",
            query=query,
            answer=lambda: self._answer(request, query),
        )

    def _answer(self, request: Request, query: dict[str, Any]) -> tuple[PageAnswer, float | None]:
        now = timezone.now()
        results = car_offers_list(
            airport_code=query.get("location"),
            office_id=query.get("office"),
            rental=Rental(pick_up=query["pick_up"], drop_off=query["drop_off"]),
            car_classes=query.get("car_class") or (),
            transmission=query.get("transmission"),
            sort=query["sort"],
            now=now,
        )
        answer = page_answer(
            view=self,
            request=request,
            items=results,
            serializer_class=self.OutputSerializer,
            extra=index_freshness(),
        )
        # Kept no longer than the first office shown closes for the pick-up day.
        until = min((r.sold_until for r in results if r.sold_until), default=None)
        return answer, None if until is None else (until - now).total_seconds()
