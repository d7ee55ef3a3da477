from django.urls import path

from ocpp_gateway.api import commands

urlpatterns = [
    path("stations/<int:station_id>/commands/", commands.StationCommandView.as_view(), name="api-station-commands"),
    path("commands/<int:pk>/", commands.CommandDetailView.as_view(), name="api-command-detail"),
]
