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
    # A review is written here, where the booking that proves the stay is read.
    path("reviews", LazyApiView("bookings.apis.ReviewCreateApi"), name="review-create"),
]
