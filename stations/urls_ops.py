from django.urls import path

from stations import views_ops

app_name = "ops"

urlpatterns = [
    path("", views_ops.dashboard, name="dashboard"),
    path("snapshot.json", views_ops.dashboard_snapshot, name="snapshot"),
    path("stations/<int:station_id>/command", views_ops.station_command, name="station-command"),
    path("sessions/<int:session_id>/intervene", views_ops.session_intervene, name="session-intervene"),
    path("incidents/<int:incident_id>/resolve", views_ops.incident_resolve, name="incident-resolve"),
    path("calendar/", views_ops.maintenance_calendar, name="calendar"),
    path("analytics/", views_ops.analytics, name="analytics"),
    path("analytics.csv", views_ops.analytics_csv, name="analytics-csv"),
    path("uptime/", views_ops.uptime_report, name="uptime"),
]
