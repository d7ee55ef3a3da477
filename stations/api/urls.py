from django.urls import path
from rest_framework.routers import SimpleRouter

from stations.api import commands, load, locations, operations, sessions, sites, stations

router = SimpleRouter()
router.register("sites", sites.SiteViewSet, basename="api-site")
router.register("stations", stations.StationViewSet, basename="api-station")
router.register("sessions", sessions.SessionViewSet, basename="api-session")
router.register("incidents", operations.IncidentViewSet, basename="api-incident")
router.register("work-orders", operations.WorkOrderViewSet, basename="api-work-order")

urlpatterns = [
    path("locations/", locations.LocationListView.as_view(), name="api-location-list"),
    path("locations/<int:pk>/", locations.LocationDetailView.as_view(), name="api-location-detail"),
    path("stations/<int:station_id>/commands/", commands.StationCommandView.as_view(), name="api-station-commands"),
    path("commands/<int:pk>/", commands.CommandDetailView.as_view(), name="api-command-detail"),
    path("sites/<int:site_id>/load/", load.SiteLoadView.as_view(), name="api-site-load"),
    path("load-nodes/<int:node_id>/signal/", load.NodeSignalView.as_view(), name="api-load-node-signal"),
    *router.urls,
]
