from django.urls import path

from travelguru.lazy_views import LazyApiView

# Imported at their first request, not with the URLconf (cold start: travelguru/lazy_views.py).
urlpatterns = [
    path("holds", LazyApiView("bookings.apis.holds.HoldCreateApi"), name="hold-create"),
    path(
        "holds/<uuid:hold_id>",
        LazyApiView("bookings.apis.holds.HoldDetailApi"),
        name="hold-detail",
    ),
    path("bookings", LazyApiView("bookings.apis.bookings.BookingCollectionApi"), name="bookings"),
    path(
        "payments/stripe/webhook",
        LazyApiView("bookings.apis.webhooks.StripeWebhookApi"),
        name="stripe-webhook",
    ),
    path(
        "bookings/<str:reference>",
        LazyApiView("bookings.apis.bookings.BookingDetailApi"),
        name="booking-detail",
    ),
    path(
        "bookings/<str:reference>/cancel",
        LazyApiView("bookings.apis.bookings.BookingCancelApi"),
        name="booking-cancel",
    ),
    # A review is written here, where the booking that proves the stay is read.
    path("reviews", LazyApiView("bookings.apis.reviews.ReviewCreateApi"), name="review-create"),
]
