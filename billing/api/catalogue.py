"""What drivers can buy: `tariffs/` (public to read, staff create), `plans/` (public),
`memberships/` (a driver's subscriptions: subscribe, cancel)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.response import Response

from billing.api.fields import MoneyField
from billing.models import MembershipPlan, PriceComponent, Subscription, Tariff, TariffElement
from billing.selectors import api_access
from billing.services import memberships
from billing.services.tariffs import DAY_NAMES, tariff_create, tariff_snapshot
from config.api.fields import LocalTimeField
from config.api.idempotency import idempotent
from config.api.roles import IsDriver, driver_of, is_staff


class PublicReadStaffWrite(BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_staff(request.user)


class RefuseUnknownFields:
    """Refuses fields it does not know, by name: a tariff restriction dropped silently would
    price its element as unrestricted."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field (not in OCPI 2.2.1)."] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(RefuseUnknownFields, serializers.Serializer):
    pass


class PriceComponentSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=PriceComponent.Dimension.choices)
    price = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0, help_text="Excl. VAT.")
    vat = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    step_size = serializers.IntegerField(
        min_value=0, max_value=86400 * 1000, default=1, help_text="At least 1; FLAT has no unit and may have 0."
    )

    def validate(self, data):
        if data.get("step_size", 1) < 1 and data["type"] != PriceComponent.Dimension.FLAT:
            raise serializers.ValidationError({"step_size": ["Must be at least 1 (0 is allowed for FLAT only)."]})
        return data


class RestrictionsSerializer(StrictSerializer):
    start_time = LocalTimeField(required=False, help_text="Local time at the site.")
    end_time = LocalTimeField(required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    min_kwh = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0, required=False)
    max_kwh = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0, required=False)
    min_current = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False)
    max_current = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False)
    min_power = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False)
    max_power = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False)
    min_duration = serializers.IntegerField(min_value=0, max_value=10**7, required=False)
    max_duration = serializers.IntegerField(min_value=0, max_value=10**7, required=False)
    day_of_week = serializers.ListField(child=serializers.ChoiceField(choices=DAY_NAMES), required=False)
    reservation = serializers.ChoiceField(choices=TariffElement.Reservation.choices, required=False)


class TariffElementSerializer(StrictSerializer):
    price_components = PriceComponentSerializer(many=True, allow_empty=False)
    restrictions = RestrictionsSerializer(required=False)


TARIFF_FIELDS = [
    "id",
    "name",
    "operator",
    "currency",
    "site",
    "station",
    "connector",
    "membership_plan",
    "valid_from",
    "valid_until",
    "min_price_excl_vat",
    "min_price_incl_vat",
    "max_price_excl_vat",
    "max_price_incl_vat",
    "time_step_rounding",
]


class TariffInputSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    elements = TariffElementSerializer(many=True, allow_empty=False, help_text="OCPI 2.2.1 tariff elements.")

    class Meta:
        model = Tariff
        fields = [*TARIFF_FIELDS, "elements"]
        read_only_fields = ["id"]


class PriceComponentOutputSerializer(serializers.Serializer):
    type = serializers.CharField()
    price = serializers.CharField(help_text="Excl. VAT, decimal string.")
    vat = serializers.CharField(allow_null=True)
    step_size = serializers.IntegerField()


class TariffElementOutputSerializer(serializers.Serializer):
    price_components = PriceComponentOutputSerializer(many=True)
    restrictions = serializers.DictField(help_text="OCPI restrictions; values as strings, day_of_week as a list.")


class TariffSerializer(serializers.ModelSerializer):
    elements = serializers.SerializerMethodField()

    class Meta:
        model = Tariff
        fields = [*TARIFF_FIELDS, "elements", "created_at"]
        read_only_fields = fields

    @extend_schema_field(TariffElementOutputSerializer(many=True))
    def get_elements(self, tariff: Tariff) -> list[dict]:
        return tariff_snapshot(tariff=tariff)["elements"]


@extend_schema_view(
    list=extend_schema(tags=["billing"], summary="Tariffs (public)"),
    retrieve=extend_schema(tags=["billing"]),
    create=extend_schema(
        tags=["billing"],
        summary="Create a tariff (staff)",
        request=TariffInputSerializer,
        responses={201: TariffSerializer},
    ),
)
class TariffViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TariffSerializer
    permission_classes = [PublicReadStaffWrite]
    filterset_fields = ["operator", "site", "station", "connector", "membership_plan", "currency"]

    def get_queryset(self):
        return Tariff.objects.prefetch_related("elements__components").order_by("-valid_from", "-id")

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = TariffInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("id", None)
        elements = [
            {
                "price_components": [dict(c) for c in e["price_components"]],
                "restrictions": dict(e.get("restrictions", {})),
            }
            for e in data.pop("elements")
        ]
        tariff = tariff_create(elements=elements, **data)
        return Response(self.get_serializer(tariff).data, status=status.HTTP_201_CREATED)


class PlanSerializer(serializers.ModelSerializer):
    operator_name = serializers.CharField(source="operator.name", read_only=True)
    monthly_fee = MoneyField(help_text="Excl. VAT.")

    class Meta:
        model = MembershipPlan
        fields = [
            "id",
            "name",
            "operator",
            "operator_name",
            "monthly_fee",
            "vat_rate",
            "currency",
            "included_kwh",
            "discount_percent",
            "discount_per_kwh",
            "is_active",
        ]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(tags=["billing"], summary="Membership plans on offer (public)"))
@extend_schema_view(retrieve=extend_schema(tags=["billing"]))
class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlanSerializer
    permission_classes = [AllowAny]
    filterset_fields = ["operator", "currency"]

    def get_queryset(self):
        return MembershipPlan.objects.filter(is_active=True).select_related("operator").order_by("pk")


class MembershipSerializer(serializers.ModelSerializer):
    plan_detail = PlanSerializer(source="plan", read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "plan", "plan_detail", "status", "started_on", "ends_on", "created_at"]
        read_only_fields = ["status", "started_on", "ends_on", "created_at"]


@extend_schema_view(
    list=extend_schema(tags=["billing"], summary="My memberships (staff: all)"),
    retrieve=extend_schema(tags=["billing"]),
    create=extend_schema(tags=["billing"], summary="Subscribe to a plan from today"),
    cancel=extend_schema(tags=["billing"], summary="Cancel at the end of this month (idempotent)", request=None),
)
class MembershipViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = MembershipSerializer
    permission_classes = [IsDriver]
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        return api_access.subscriptions_visible_to(user=self.request.user).order_by("-started_on", "-id")

    @idempotent
    def create(self, request, *args, **kwargs):
        driver = driver_of(request.user)
        if driver is None:
            raise PermissionDenied("Only drivers subscribe.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = memberships.subscription_start(
            driver=driver, plan=serializer.validated_data["plan"], on=timezone.localdate()
        )
        return Response(self.get_serializer(subscription).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        subscription = memberships.subscription_cancel(subscription=self.get_object(), on=timezone.localdate())
        return Response(self.get_serializer(subscription).data)
