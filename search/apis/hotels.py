"""GET /api/hotels/search and GET /api/hotels/{id}: rooms free on every night, as offers."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.hooks import search_recorded
from reviews.models import Subject
from reviews.selectors import rating_get, ratings_json_map
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
from search.limits import MAX_GUESTS, MAX_ROOMS, stay_errors
from search.offers import HotelOffer, offer_encode
from search.selectors.hotels import (
    SORTS,
    CityInfo,
    HotelInfo,
    HotelMatch,
    HotelResult,
    HotelSearch,
    RoomOffer,
    Stay,
    amenity_codes,
    city_resolve,
    hotel_answer_true_until,
    hotel_detail,
    hotel_results,
    hotel_search,
    stay_check,
)
from travelguru.serializers import MoneySerializer, page_fields, parse_query, problem_responses


class StayInputSerializer(serializers.Serializer):
    """The dates and party every hotel query carries."""

    check_in = TravelDateField(help_text="First night (a local date at the hotel)")
    check_out = TravelDateField(help_text="Departure day; 1 to 30 nights after check_in")
    guests = serializers.IntegerField(default=2, min_value=1, max_value=MAX_GUESTS)
    rooms = serializers.IntegerField(default=1, min_value=1, max_value=MAX_ROOMS)

    class Meta:
        ref_name = "HotelStayInput"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        # The rules a hotel offer id is held to as well (search.limits).
        errors = stay_errors(
            check_in=attrs["check_in"],
            check_out=attrs["check_out"],
            guests=attrs.get("guests", 2),
            rooms=attrs.get("rooms", 1),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _stay(data: dict[str, Any]) -> Stay:
    return Stay(
        check_in=data["check_in"],
        check_out=data["check_out"],
        guests=data["guests"],
        rooms=data["rooms"],
    )


class _RoomTypeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    capacity = serializers.IntegerField(help_text="Guests per room")
    beds = serializers.CharField()
    size_m2 = serializers.IntegerField(allow_null=True)
    breakfast_included = serializers.BooleanField()

    class Meta:
        ref_name = "HotelRoomType"


class _RoomOfferSerializer(serializers.Serializer):
    offer_id = serializers.CharField(help_text="Opaque, signed; give it to POST /api/holds")
    kind = serializers.CharField(help_text='Always "hotel"')
    room_type = _RoomTypeSerializer()
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    nights = serializers.IntegerField()
    rooms = serializers.IntegerField()
    guests = serializers.IntegerField()
    price = MoneySerializer(help_text="The whole stay: every night, every room")
    price_per_night = MoneySerializer(help_text="The stay's price divided by its nights")
    available = serializers.IntegerField(help_text="Rooms left on the fullest night")
    free_cancellation_until = serializers.DateField(
        allow_null=True,
        help_text="Cancel free of charge until this day (a date at the hotel), up to the "
        "hotel's check-in time; null: no free cancellation, or none left for a booking now",
    )

    class Meta:
        ref_name = "HotelRoomOffer"

    def to_representation(self, offer: RoomOffer) -> dict[str, Any]:
        return _offer_json(offer)


class _CitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country_code = serializers.CharField()
    timezone = serializers.CharField()

    class Meta:
        ref_name = "HotelCity"


class _AmenitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "HotelAmenity"


def _room_type_json(room_type) -> dict[str, Any]:
    """A RoomType or a RoomTypeInfo."""
    return {
        "id": room_type.id,
        "name": room_type.name,
        "capacity": room_type.capacity,
        "beds": room_type.beds,
        "size_m2": room_type.size_m2,
        "breakfast_included": room_type.breakfast_included,
    }


def _offer_json(offer: RoomOffer) -> dict[str, Any]:
    stay = offer.stay
    until = offer.free_cancellation_until
    return {
        "offer_id": offer_encode(
            HotelOffer(
                room_type_id=offer.room_type.id,
                check_in=stay.check_in,
                check_out=stay.check_out,
                rooms=stay.rooms,
                guests=stay.guests,
                price=offer.price,
            )
        ),
        "kind": "hotel",
        "room_type": _room_type_json(offer.room_type),
        "check_in": stay.check_in.isoformat(),
        "check_out": stay.check_out.isoformat(),
        "nights": stay.nights,
        "rooms": stay.rooms,
        "guests": stay.guests,
        "price": offer.price.as_json(),
        "price_per_night": offer.price_per_night.as_json(),
        "available": offer.available,
        "free_cancellation_until": until.isoformat() if until else None,
    }


def _hotel_info(hotel) -> HotelInfo:
    """A Hotel (city and amenities loaded) as search results show it."""
    return HotelInfo(
        id=hotel.pk,
        name=hotel.name,
        stars=hotel.stars,
        address=hotel.address,
        latitude=hotel.latitude,
        longitude=hotel.longitude,
        city=CityInfo(hotel.city.pk, hotel.city.name, hotel.city.country_code, hotel.city.timezone),
        amenities=tuple((a.code, a.name) for a in hotel.amenities.all()),
        currency=hotel.currency,
        free_cancellation_days=hotel.free_cancellation_days,
        check_in_time=hotel.check_in_time,
    )


def _hotel_json(hotel: HotelInfo) -> dict[str, Any]:
    return {
        "id": hotel.id,
        "name": hotel.name,
        "stars": hotel.stars,
        "address": hotel.address,
        "city": {
            "id": hotel.city.id,
            "name": hotel.city.name,
            "country_code": hotel.city.country_code,
            "timezone": hotel.city.timezone,
        },
        "latitude": hotel.latitude,
        "longitude": hotel.longitude,
        "amenities": [{"code": code, "name": name} for code, name in hotel.amenities],
    }


class HotelSearchApi(PublicCacheMixin, APIView):
    """Hotels in a city or around a point with a room type free on every night asked."""

    class InputSerializer(StayInputSerializer):
        city = serializers.CharField(
            required=False, max_length=100, help_text='A city id, or a name: "Paris", "Paris, FR"'
        )
        lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
        lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
        radius_km = serializers.FloatField(default=10.0, min_value=0.1, max_value=100)
        min_stars = serializers.IntegerField(required=False, min_value=1, max_value=5)
        amenities = CommaListField(
            child=serializers.SlugField(max_length=32),
            required=False,
            max_length=20,
            help_text="Comma-separated codes, all required, e.g. wifi,pool",
        )
        min_price = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=0, required=False,
            help_text="Per night for all rooms, in the hotel's currency",
        )  # fmt: skip
        max_price = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=0, required=False,
            help_text="Per night for all rooms, in the hotel's currency",
        )  # fmt: skip
        q = serializers.CharField(
            required=False, max_length=100, help_text="Words of the name or description"
        )
        sort = serializers.ChoiceField(choices=SORTS, default="price")
        page = serializers.IntegerField(required=False, min_value=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=50)

        class Meta:
            ref_name = "HotelSearchInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            attrs = super().validate(attrs)
            errors: dict[str, str] = {}
            has_city = bool(attrs.get("city"))
            has_point = "lat" in attrs or "lon" in attrs
            if has_city and has_point:
                errors["city"] = "Give either a city or lat/lon, not both."
            elif not has_city and not has_point:
                errors["city"] = "Give a city, or lat and lon."
            elif has_point and not ("lat" in attrs and "lon" in attrs):
                errors["lat" if "lat" not in attrs else "lon"] = "Give both lat and lon."
            low, high = attrs.get("min_price"), attrs.get("max_price")
            if low is not None and high is not None and low > high:
                errors["max_price"] = "max_price must not be below min_price."
            if errors:
                raise serializers.ValidationError(errors)
            asked = set(attrs.get("amenities") or ())
            unknown = sorted(asked - amenity_codes()) if asked else []
            if unknown:
                raise serializers.ValidationError(
                    {"amenities": [f"Unknown amenity: {', '.join(unknown)}."]}
                )
            return attrs

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        stars = serializers.IntegerField()
        address = serializers.CharField()
        city = _CitySerializer()
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()
        distance_km = serializers.FloatField(
            allow_null=True, help_text="From the point asked, or from the city centre"
        )
        amenities = _AmenitySerializer(many=True)
        rating = RatingSerializer()
        cheapest = _RoomOfferSerializer()
        offers = _RoomOfferSerializer(many=True, help_text="Cheapest first")

        def to_representation(self, result: HotelResult) -> dict[str, Any]:
            offers = [_offer_json(o) for o in result.offers]
            return {
                **_hotel_json(result.hotel),
                "distance_km": result.distance_km,
                "rating": self.context["ratings"][result.hotel.id],
                "cheapest": offers[0],
                "offers": offers,
            }

    @extend_schema(
        operation_id="hotels_search",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "HotelSearchPage",
                fields={
                    **page_fields(),
                    "results": OutputSerializer(many=True),
                    "indexed_at": serializers.DateTimeField(
                        allow_null=True, help_text="When the search index was last refreshed"
                    ),
                    "facets": serializers.DictField(
                        child=serializers.DictField(child=serializers.IntegerField()),
                        help_text='{"stars": {"5": 3, …}, "amenities": {"wifi": 10, …}}',
                    ),
                },
            ),
            **problem_responses(400),
        },
    )
    @search_recorded("hotel")
    def get(self, request: Request) -> Response:
        query = parse_query(self.InputSerializer, request)
        return cached_page(
            request=request,
            kind="hotel",
            query=query,
            fold=("city", "q"),
            answer=lambda: self._answer(request, query),
        )

    def _answer(self, request: Request, query: dict[str, Any]) -> tuple[PageAnswer, float | None]:
        now = timezone.now()
        city = city_resolve(query["city"]) if query.get("city") else None
        stay = _stay(query)
        if city is not None:
            # The query's dates are the city's: one already over there is a clear 400 (the
            # field rule only knows that it is still today somewhere on Earth).
            stay_check(stay, tz_name=city.timezone, place=city.name, now=now)
        found = hotel_search(
            HotelSearch(
                stay=stay,
                city_id=city.pk if city else None,
                latitude=query.get("lat"),
                longitude=query.get("lon"),
                radius_km=query["radius_km"],
                min_stars=query.get("min_stars"),
                amenities=query.get("amenities") or (),
                text=query.get("q", ""),
                min_price=query.get("min_price"),
                max_price=query.get("max_price"),
                sort=query["sort"],
            ),
            now=now,
        )
        shown: list[HotelResult] = []

        def expand(page: list[HotelMatch]) -> list[HotelResult]:
            shown.extend(hotel_results(page, stay, now=now))
            return shown

        answer = page_answer(
            view=self,
            request=request,
            items=found.hotels,
            serializer_class=self.OutputSerializer,
            extra={"facets": found.facets, **index_freshness()},
            # The hotels' rows and offers are read and built for the page shown only.
            expand=expand,
            # Shown ratings are the aggregates' (the index's copy only ranks `sort=rating`);
            # a rating change makes cached answers unreachable (travelguru.results_cache).
            page_context=lambda page: {
                "ratings": ratings_json_map(
                    subject=Subject.HOTEL, subject_ids=[r.hotel.id for r in page]
                )
            },
        )
        # Kept no longer than the clock leaves it true: a check-in day ending at a hotel
        # takes its offers away, a free-cancellation deadline passing takes that promise
        # from the offers shown.
        until = hotel_answer_true_until(found.hotels, shown, stay)
        return answer, None if until is None else (until - now).total_seconds()


class HotelDetailApi(APIView):
    """One hotel: everything a traveler needs, and room offers when dates are given."""

    class InputSerializer(serializers.Serializer):
        check_in = TravelDateField(required=False)
        check_out = TravelDateField(required=False)
        guests = serializers.IntegerField(default=2, min_value=1, max_value=MAX_GUESTS)
        rooms = serializers.IntegerField(default=1, min_value=1, max_value=MAX_ROOMS)

        class Meta:
            ref_name = "HotelDetailInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("check_in" in attrs) != ("check_out" in attrs):
                missing = "check_out" if "check_in" in attrs else "check_in"
                raise serializers.ValidationError({missing: "Give check_in and check_out."})
            if "check_in" in attrs:
                stay = StayInputSerializer(data={k: str(v) for k, v in attrs.items()})
                stay.is_valid(raise_exception=True)
            return attrs

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        stars = serializers.IntegerField()
        description = serializers.CharField()
        address = serializers.CharField()
        city = _CitySerializer()
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()
        amenities = _AmenitySerializer(many=True)
        check_in_time = serializers.RegexField(r"^\d{2}:\d{2}$", help_text="HH:MM, local time")
        check_out_time = serializers.RegexField(r"^\d{2}:\d{2}$", help_text="HH:MM, local time")
        currency = serializers.CharField()
        cancellation_policy = serializers.CharField()
        room_types = inline_serializer(
            "HotelDetailRoomType",
            fields={
                **_RoomTypeSerializer().get_fields(),
                "from_price_per_night": MoneySerializer(
                    allow_null=True, help_text="Cheapest night in the next 30 days"
                ),
            },
            many=True,
        )
        offers = _RoomOfferSerializer(
            many=True, allow_null=True, help_text="For the dates asked; null without dates"
        )
        rating = RatingSerializer()
        reviews_url = serializers.CharField()

    @extend_schema(
        operation_id="hotels_retrieve",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **problem_responses(400, 404)},
    )
    def get(self, request: Request, hotel_id: int) -> Response:
        query = parse_query(self.InputSerializer, request)
        stay = _stay(query) if "check_in" in query else None
        detail = hotel_detail(hotel_id=hotel_id, stay=stay, now=timezone.now())
        hotel = detail.hotel
        days = hotel.free_cancellation_days
        policy = (
            "Non-refundable once booked."
            if days is None
            else f"Free cancellation until {days} day{'s' if days != 1 else ''} before check-in."
        )
        body = {
            **_hotel_json(_hotel_info(hotel)),
            "description": hotel.description,
            "check_in_time": hotel.check_in_time.strftime("%H:%M"),
            "check_out_time": hotel.check_out_time.strftime("%H:%M"),
            "currency": hotel.currency,
            "cancellation_policy": policy,
            "room_types": [
                {
                    **_room_type_json(rt),
                    "from_price_per_night": (
                        detail.from_prices[rt.pk].as_json() if rt.pk in detail.from_prices else None
                    ),
                }
                for rt in detail.room_types
            ],
            "offers": None if detail.offers is None else [_offer_json(o) for o in detail.offers],
            "rating": rating_get(subject=Subject.HOTEL, subject_id=hotel.pk),
            "reviews_url": request.build_absolute_uri(f"/api/hotels/{hotel.pk}/reviews"),
        }
        return Response(body)
