"""Mounted by stations/operations/urls.py under /ops/pipeline/ (namespace `ops`)."""

from django.urls import path

from stations.pipeline import views

urlpatterns = [
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/<int:candidate_id>/", views.candidate_detail, name="pipeline-candidate"),
    path("pipeline/<int:candidate_id>/stages/<str:stage>/complete", views.stage_complete, name="pipeline-complete"),
    path("pipeline/<int:candidate_id>/stages/<str:stage>/plan", views.stage_plan, name="pipeline-plan"),
    path("pipeline/<int:candidate_id>/stations", views.station_register, name="pipeline-register"),
    path(
        "pipeline/<int:candidate_id>/stations/<int:station_id>/accept",
        views.station_accept,
        name="pipeline-accept",
    ),
    path("pipeline/<int:candidate_id>/publish", views.site_publish, name="pipeline-publish"),
]
