from django.urls import path

from reviews.apis import (
    AirlineReviewsApi,
    CarVendorReviewsApi,
    HotelReviewsApi,
    ReviewCreateApi,
    ReviewHelpfulApi,
)

urlpatterns = [
    path("reviews", ReviewCreateApi.as_view(), name="review-create"),
    path("reviews/<int:review_id>/helpful", ReviewHelpfulApi.as_view(), name="review-helpful"),
    path("hotels/<int:subject_id>/reviews", HotelReviewsApi.as_view(), name="hotel-reviews"),
    path(
        "car-vendors/<int:subject_id>/reviews",
        CarVendorReviewsApi.as_view(),
        name="car-vendor-reviews",
    ),
    path("airlines/<int:subject_id>/reviews", AirlineReviewsApi.as_view(), name="airline-reviews"),
]
