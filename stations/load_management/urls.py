"""Mounted by stations/operations/urls.py under /ops/ (namespace `ops`)."""

from django.urls import path

from stations.load_management import views

urlpatterns = [
    path("load/", views.load_sites, name="load-sites"),
    path("load/<int:site_id>/", views.load_site, name="load-site"),
    path("load/<int:site_id>.json", views.load_site_json, name="load-site-json"),
]
