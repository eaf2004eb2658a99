from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.views import admin_login
from travelguru.api_root import ApiRootApi
from travelguru.health import healthz
from travelguru.views import home

api_patterns = [
    path("", ApiRootApi.as_view(), name="api-root"),
    path("", include("search.urls")),
    path("", include("accounts.urls")),
    path("", include("bookings.urls")),
    path("", include("reviews.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/", include(api_patterns)),
    path("admin/login/", admin_login, name="admin-login"),  # failed-login limits
    path("admin/", admin.site.urls),
]

handler400 = "travelguru.errors.bad_request_view"
handler404 = "travelguru.errors.not_found_view"
handler500 = "travelguru.errors.server_error_view"
