from django.urls import path
from rest_framework.routers import SimpleRouter

from stations.api import locations, sessions, stations

router = SimpleRouter()
router.register("stations", stations.StationViewSet, basename="api-station")
router.register("sessions", sessions.SessionViewSet, basename="api-session")

urlpatterns = [
    path("locations/", locations.LocationListView.as_view(), name="api-location-list"),
    path("locations/<int:pk>/", locations.LocationDetailView.as_view(), name="api-location-detail"),
    *router.urls,
]
