from django.urls import path

from travelguru.lazy_views import LazyApiView

# Imported at their first request, not with the URLconf: a Lambda cold start whose first
# request is no search (the app's /api/config, a booking ...) does not pay for the search
# APIs, selectors and engines (travelguru/lazy_views.py).
urlpatterns = [
    path(
        "airports",
        LazyApiView("search.apis.places.AirportAutocompleteApi"),
        name="airport-autocomplete",
    ),
    path("cities", LazyApiView("search.apis.places.CityAutocompleteApi"), name="city-autocomplete"),
    path(
        "flights/search", LazyApiView("search.apis.flights.FlightSearchApi"), name="flight-search"
    ),
    path(
        "flights/multi-city",
        LazyApiView("search.apis.flight_trips.FlightMultiCitySearchApi"),
        name="flight-multi-city",
    ),
    path(
        "flights/calendar",
        LazyApiView("search.apis.calendars.FlightCalendarApi"),
        name="flight-calendar",
    ),
    path(
        "hotels/calendar",
        LazyApiView("search.apis.calendars.HotelCalendarApi"),
        name="hotel-calendar",
    ),
    path("hotels/search", LazyApiView("search.apis.hotels.HotelSearchApi"), name="hotel-search"),
    path(
        "hotels/<int:hotel_id>",
        LazyApiView("search.apis.hotels.HotelDetailApi"),
        name="hotel-detail",
    ),
    path("cars/search", LazyApiView("search.apis.cars.CarSearchApi"), name="car-search"),
    path(
        "offers/<str:offer_id>",
        LazyApiView("search.apis.offers.OfferDetailApi"),
        name="offer-detail",
    ),
]
