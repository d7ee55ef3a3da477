from django.urls import path
from rest_framework.routers import SimpleRouter

from drivers.api import breakdowns, me, reservations, sessions, support

router = SimpleRouter()
router.register("me/tokens", me.MyTokenViewSet, basename="api-my-token")
router.register("me/vehicles", me.MyVehicleViewSet, basename="api-my-vehicle")
router.register("reservations", reservations.ReservationViewSet, basename="api-reservation")
router.register("support-tickets", support.SupportTicketViewSet, basename="api-support-ticket")
router.register("breakdown-reports", breakdowns.BreakdownReportViewSet, basename="api-breakdown-report")

urlpatterns = [
    path("me/", me.MeView.as_view(), name="api-me"),
    path("sessions/start/", sessions.SessionStartView.as_view(), name="api-session-start"),
    *router.urls,
]
