"""/api/v1/: each app contributes its resources; this file only mounts them."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from config.api.errors import api_not_found
from config.api.token_views import ApiTokenViewSet

auth_router = SimpleRouter()
auth_router.register("auth/tokens", ApiTokenViewSet, basename="api-auth-token")

urlpatterns: list = [
    *auth_router.urls,
    path("", include("stations.api.urls")),
    path("", include("drivers.api.urls")),
    path("", include("billing.api.urls")),
    # Last: anything else under /api/v1/ answers 404 in the API's error shape.
    # [\s\S], not ".": a path with a newline in it (%0A) is the API's too, answered in JSON.
    re_path(r"^[\s\S]*$", api_not_found),
]
