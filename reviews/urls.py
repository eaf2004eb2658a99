from django.urls import path

from travelguru.lazy_views import LazyApiView

# Imported at their first request, not with the URLconf (cold start: travelguru/lazy_views.py).
urlpatterns = [
    path(
        "reviews/<int:review_id>/helpful",
        LazyApiView("reviews.apis.ReviewHelpfulApi"),
        name="review-helpful",
    ),
    path(
        "hotels/<int:subject_id>/reviews",
        LazyApiView("reviews.apis.HotelReviewsApi"),
        name="hotel-reviews",
    ),
    path(
        "car-vendors/<int:subject_id>/reviews",
        LazyApiView("reviews.apis.CarVendorReviewsApi"),
        name="car-vendor-reviews",
    ),
    path(
        "airlines/<int:subject_id>/reviews",
        LazyApiView("reviews.apis.AirlineReviewsApi"),
        name="airline-reviews",
    ),
]
