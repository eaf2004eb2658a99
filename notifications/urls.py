from django.urls import path

from travelguru.lazy_views import LazyApiView

urlpatterns = [
    path(
        "notifications/ses-events",
        LazyApiView("notifications.apis.SesEventsApi"),
        name="ses-events",
    ),
]
