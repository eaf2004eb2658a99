from django.urls import path

from travelguru.lazy_views import LazyApiView

# Imported at their first request, not with the URLconf (cold start: travelguru/lazy_views.py).
urlpatterns = [
    path("holds", LazyApiView("bookings.apis.HoldCreateApi"), name="hold-create"),
    path("holds/<uuid:hold_id>", LazyApiView("bookings.apis.HoldDetailApi"), name="hold-detail"),
    path("bookings", LazyApiView("bookings.apis.BookingCollectionApi"), name="bookings"),
    path(
        "payments/stripe/webhook",
        LazyApiView("bookings.apis.StripeWebhookApi"),
        name="stripe-webhook",
    ),
    path(
        "bookings/<str:reference>",
        LazyApiView("bookings.apis.BookingDetailApi"),
        name="booking-detail",
    ),
    path(
        "bookings/<str:reference>/cancel",
        LazyApiView("bookings.apis.BookingCancelApi"),
        name="booking-cancel",
    ),
]
