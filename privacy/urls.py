from django.urls import path

from travelguru.lazy_views import LazyApiView

# Imported at their first request, not with the URLconf (cold start: travelguru/lazy_views.py).
urlpatterns = [
    path("me", LazyApiView("privacy.apis.MeApi"), name="me"),
    path("me/export", LazyApiView("privacy.apis.MeExportApi"), name="me-export"),
]
