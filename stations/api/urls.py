from django.urls import path
from rest_framework.routers import SimpleRouter

from stations.api import locations, stations

router = SimpleRouter()
router.register("stations", stations.StationViewSet, basename="api-station")

urlpatterns = [
    path("locations/", locations.LocationListView.as_view(), name="api-location-list"),
    path("locations/<int:pk>/", locations.LocationDetailView.as_view(), name="api-location-detail"),
    *router.urls,
]
