"""Read-only money records: `cdrs/`, `invoices/` (with a PDF link), `payments/`,
`settlements/`. Each queryset is the caller's scope (billing.selectors.api_access)."""

import django_filters
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import BaseRenderer, JSONRenderer

from billing.api.fields import MoneyField
from billing.models import ChargeDetailRecord, Invoice, InvoiceLine, Payment, SettlementStatement
from billing.pdf import invoice_pdf
from billing.selectors import api_access
from config.api.filters import UtcDateTimeFilter
from config.api.roles import IsStaffOrOwnerOrDriverReadOnly, IsStaffOrOwnerReadOnly


class CdrSerializer(serializers.ModelSerializer):
    energy_cost = MoneyField()
    time_cost = MoneyField()
    parking_cost = MoneyField()
    flat_cost = MoneyField()
    reservation_cost = MoneyField()
    discount_excl_vat = MoneyField()
    total_excl_vat = MoneyField()
    total_vat = MoneyField()
    total_incl_vat = MoneyField()

    class Meta:
        model = ChargeDetailRecord
        fields = [
            "id",
            "kind",
            "session",
            "revision",
            "credits",
            "reason",
            "station",
            "site",
            "started_at",
            "stopped_at",
            "energy_wh",
            "charging_seconds",
            "parking_seconds",
            "currency",
            "energy_cost",
            "time_cost",
            "parking_cost",
            "flat_cost",
            "reservation_cost",
            "discount_excl_vat",
            "total_excl_vat",
            "total_vat",
            "total_incl_vat",
            "vat_breakdown",
            "periods",
            "tariff_snapshot",
            "created_at",
        ]
        read_only_fields = fields


class CdrFilter(django_filters.FilterSet):
    stopped_after = UtcDateTimeFilter(field_name="stopped_at", lookup_expr="gte")
    stopped_before = UtcDateTimeFilter(field_name="stopped_at", lookup_expr="lt")

    class Meta:
        model = ChargeDetailRecord
        fields = ["session", "station", "kind", "stopped_after", "stopped_before"]


@extend_schema_view(list=extend_schema(tags=["billing"]), retrieve=extend_schema(tags=["billing"]))
class CdrViewSet(viewsets.ReadOnlyModelViewSet):
    """Charge detail records: immutable; a correction is a credit CDR referencing the original."""

    serializer_class = CdrSerializer
    permission_classes = [IsStaffOrOwnerOrDriverReadOnly]
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    filterset_class = CdrFilter
    ordering_fields = ["stopped_at", "total_incl_vat", "energy_wh"]
    ordering = ["-stopped_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChargeDetailRecord.objects.none()
        return api_access.cdrs_visible_to(user=self.request.user)


class InvoiceLineSerializer(serializers.ModelSerializer):
    amount_excl_vat = MoneyField(currency_attribute="currency")
    vat = MoneyField(currency_attribute="currency")
    amount_incl_vat = MoneyField(currency_attribute="currency")

    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "cdr", "energy_wh", "amount_excl_vat", "vat", "amount_incl_vat"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()
    total_excl_vat = MoneyField()
    total_vat = MoneyField()
    total_incl_vat = MoneyField()
    issuer = serializers.CharField(source="issuer.name", read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "issuer",
            "period_start",
            "period_end",
            "currency",
            "total_excl_vat",
            "total_vat",
            "total_incl_vat",
            "vat_breakdown",
            "credits",
            "status",
            "issued_at",
            "lines",
            "pdf_url",
        ]
        read_only_fields = fields

    @extend_schema_field(InvoiceLineSerializer(many=True))
    def get_lines(self, invoice: Invoice) -> list[dict]:
        lines = list(invoice.lines.all())
        for line in lines:
            line.currency = invoice.currency  # lines are in their invoice's currency
        return InvoiceLineSerializer(lines, many=True).data

    def get_pdf_url(self, invoice: Invoice) -> str:
        """Download with the same credentials (session or token)."""
        path = reverse("api-invoice-pdf", kwargs={"pk": invoice.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class InvoiceFilter(django_filters.FilterSet):
    issued_after = UtcDateTimeFilter(field_name="issued_at", lookup_expr="gte")
    issued_before = UtcDateTimeFilter(field_name="issued_at", lookup_expr="lt")

    class Meta:
        model = Invoice
        fields = ["status", "kind", "issued_after", "issued_before"]


class PdfRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


@extend_schema_view(
    list=extend_schema(tags=["billing"]),
    retrieve=extend_schema(tags=["billing"]),
    pdf=extend_schema(
        tags=["billing"], summary="The invoice as PDF", responses={(200, "application/pdf"): OpenApiTypes.BINARY}
    ),
)
class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter

    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects.none()
        return api_access.invoices_visible_to(user=self.request.user)


class PaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField()
    captured_amount = MoneyField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "provider",
            "purpose",
            "status",
            "invoice",
            "session",
            "amount",
            "captured_amount",
            "currency",
            "attempts",
            "next_retry_at",
            "failure_message",
            "created_at",
            "settled_at",
        ]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(tags=["billing"]), retrieve=extend_schema(tags=["billing"]))
class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PaymentSerializer
    filterset_fields = ["status", "purpose", "invoice"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        return api_access.payments_visible_to(user=self.request.user).order_by("-created_at", "-id")


class SettlementSerializer(serializers.ModelSerializer):
    party_name = serializers.CharField(source="party.name", read_only=True)
    gross_incl_vat = MoneyField()
    vat = MoneyField()
    net_revenue = MoneyField()
    commission = MoneyField()
    owner_share = MoneyField()
    fixed_fee = MoneyField()
    analytics_fee = MoneyField()
    payout_due = MoneyField()

    class Meta:
        model = SettlementStatement
        fields = [
            "id",
            "party",
            "party_name",
            "role",
            "period_start",
            "period_end",
            "currency",
            "session_count",
            "energy_wh",
            "gross_incl_vat",
            "vat",
            "net_revenue",
            "commission",
            "owner_share",
            "fixed_fee",
            "analytics_fee",
            "payout_due",
            "due_on",
            "settled_at",
            "lines",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(tags=["billing"]), retrieve=extend_schema(tags=["billing"]))
class SettlementViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly settlement statements: owners see their own, staff all."""

    serializer_class = SettlementSerializer
    permission_classes = [IsStaffOrOwnerReadOnly]
    filterset_fields = ["party", "role", "period_start"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SettlementStatement.objects.none()
        return api_access.statements_visible_to(user=self.request.user)
