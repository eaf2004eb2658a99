from django.urls import path

from bookings.apis import (
    BookingCancelApi,
    BookingCollectionApi,
    BookingDetailApi,
    HoldCreateApi,
    HoldDetailApi,
    StripeWebhookApi,
)

urlpatterns = [
    path("holds", HoldCreateApi.as_view(), name="hold-create"),
    path("holds/<uuid:hold_id>", HoldDetailApi.as_view(), name="hold-detail"),
    path("bookings", BookingCollectionApi.as_view(), name="bookings"),
    path("payments/stripe/webhook", StripeWebhookApi.as_view(), name="stripe-webhook"),
    path("bookings/<str:reference>", BookingDetailApi.as_view(), name="booking-detail"),
    path("bookings/<str:reference>/cancel", BookingCancelApi.as_view(), name="booking-cancel"),
]
