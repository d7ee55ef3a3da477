from django.urls import path

from stations.assets import views as assets_views
from stations.load_management.urls import urlpatterns as load_urls
from stations.operations import views
from stations.operations.regulatory import views as regulatory_views
from stations.pipeline.urls import urlpatterns as pipeline_urls

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("snapshot.json", views.dashboard_snapshot, name="snapshot"),
    path("stations/<int:station_id>/command", views.station_command, name="station-command"),
    path("sessions/<int:session_id>/intervene", views.session_intervene, name="session-intervene"),
    path("incidents/<int:incident_id>/resolve", views.incident_resolve, name="incident-resolve"),
    path("calendar/", views.maintenance_calendar, name="calendar"),
    path("analytics/", views.analytics, name="analytics"),
    path("analytics.csv", views.analytics_csv, name="analytics-csv"),
    path("uptime/", views.uptime_report, name="uptime"),
    path("profitability/", assets_views.profitability, name="profitability"),
    path("reports/", regulatory_views.reports_page, name="reports"),
    path("reports/nevi-uptime.csv", regulatory_views.nevi_uptime_csv, name="reports-nevi-uptime"),
    path(
        "reports/nevi-sessions.csv",
        regulatory_views.nevi_quarterly_csv,
        {"part": "sessions"},
        name="reports-nevi-sessions",
    ),
    path(
        "reports/nevi-quarter-uptime.csv",
        regulatory_views.nevi_quarterly_csv,
        {"part": "uptime"},
        name="reports-nevi-quarter-uptime",
    ),
    path(
        "reports/nevi-outages.csv",
        regulatory_views.nevi_quarterly_csv,
        {"part": "outages"},
        name="reports-nevi-outages",
    ),
    path("reports/uk-reliability.csv", regulatory_views.uk_reliability_csv, name="reports-uk"),
    path("reports/cec-intervals.csv", regulatory_views.cec_intervals_csv, name="reports-cec"),
    path("reports/afir-checks.csv", regulatory_views.afir_checks_csv, name="reports-afir"),
    *pipeline_urls,
    *load_urls,
]
