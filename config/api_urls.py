"""/api/v1/: each app contributes its resources; this file only mounts them."""

from django.urls import include, path, re_path

from config.api.errors import api_not_found

urlpatterns: list = [
    path("", include("stations.api.urls")),
    path("", include("drivers.api.urls")),
    path("", include("ocpp_gateway.api.urls")),
    path("", include("billing.api.urls")),
    # Last: anything else under /api/v1/ answers 404 in the API's error shape.
    re_path(r"^.*$", api_not_found),
]
