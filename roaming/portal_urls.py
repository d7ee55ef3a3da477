"""Portal pages that show partner networks' nouns (mounted at /partner-sites/ by config/urls.py)."""

from django.urls import path

from roaming.views.partner_sites import partner_site

urlpatterns = [
    path("<str:country_code>/<str:party_id>/<str:location_id>/", partner_site, name="portal-partner-site"),
]
