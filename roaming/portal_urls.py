"""Portal pages that show partner networks' nouns (mounted at /partner-sites/ by config/urls.py)."""

from django.urls import path

from roaming.views.partner_sites import (
    partner_command_status,
    partner_site,
    partner_site_reservation_cancel,
    partner_site_reserve,
    partner_site_start,
    partner_site_stop,
)

urlpatterns = [
    # Before the site pattern, which would take "commands/<id>/status" for a Location.
    path("commands/<int:command_id>/status/", partner_command_status, name="portal-partner-command-status"),
    path("<str:country_code>/<str:party_id>/<str:location_id>/", partner_site, name="portal-partner-site"),
    path(
        "<str:country_code>/<str:party_id>/<str:location_id>/start/",
        partner_site_start,
        name="portal-partner-site-start",
    ),
    path(
        "<str:country_code>/<str:party_id>/<str:location_id>/stop/", partner_site_stop, name="portal-partner-site-stop"
    ),
    path(
        "<str:country_code>/<str:party_id>/<str:location_id>/reserve/",
        partner_site_reserve,
        name="portal-partner-site-reserve",
    ),
    path(
        "<str:country_code>/<str:party_id>/<str:location_id>/cancel-reservation/",
        partner_site_reservation_cancel,
        name="portal-partner-site-reservation-cancel",
    ),
]
