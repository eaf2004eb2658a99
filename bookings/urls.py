from django.urls import path

from bookings.apis import HoldCreateApi, HoldDetailApi

urlpatterns = [
    path("holds", HoldCreateApi.as_view(), name="hold-create"),
    path("holds/<uuid:hold_id>", HoldDetailApi.as_view(), name="hold-detail"),
]
