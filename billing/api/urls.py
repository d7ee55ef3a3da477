from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import analytics, catalogue, records

router = SimpleRouter()
router.register("cdrs", records.CdrViewSet, basename="api-cdr")
router.register("invoices", records.InvoiceViewSet, basename="api-invoice")
router.register("payments", records.PaymentViewSet, basename="api-payment")
router.register("settlements", records.SettlementViewSet, basename="api-settlement")
router.register("tariffs", catalogue.TariffViewSet, basename="api-tariff")
router.register("plans", catalogue.PlanViewSet, basename="api-plan")
router.register("memberships", catalogue.MembershipViewSet, basename="api-membership")

urlpatterns = [
    # Revenue is billing's; the analytics door reads stations' series beside it.
    path("analytics/", analytics.AnalyticsView.as_view(), name="api-analytics"),
    *router.urls,
]
