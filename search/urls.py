from django.urls import path

from search.apis.cars import CarSearchApi
from search.apis.flights import FlightSearchApi
from search.apis.hotels import HotelDetailApi, HotelSearchApi
from search.apis.offers import OfferDetailApi
from search.apis.places import AirportAutocompleteApi, CityAutocompleteApi

urlpatterns = [
    path("airports", AirportAutocompleteApi.as_view(), name="airport-autocomplete"),
    path("cities", CityAutocompleteApi.as_view(), name="city-autocomplete"),
    path("flights/search", FlightSearchApi.as_view(), name="flight-search"),
    path("hotels/search", HotelSearchApi.as_view(), name="hotel-search"),
    path("hotels/<int:hotel_id>", HotelDetailApi.as_view(), name="hotel-detail"),
    path("cars/search", CarSearchApi.as_view(), name="car-search"),
    path("offers/<str:offer_id>", OfferDetailApi.as_view(), name="offer-detail"),
]
