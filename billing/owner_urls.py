from django.urls import path

from billing.views import owner_portal as views

app_name = "owner"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/", views.sessions, name="sessions"),
    path("statements/", views.statements, name="statements"),
    path("analytics-report/", views.analytics_report, name="analytics-report"),
]
