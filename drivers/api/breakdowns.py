"""`breakdown-reports/`: drivers file them (a corrective work order follows), staff see all."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from config.api.idempotency import idempotent
from config.api.roles import IsDriver, driver_of
from drivers.models import BreakdownReport
from drivers.services import breakdowns
from stations.models import ChargingStation, RegistrationStatus


class BreakdownReportSerializer(serializers.ModelSerializer):
    station = serializers.PrimaryKeyRelatedField(
        queryset=ChargingStation.objects.filter(registration_status=RegistrationStatus.ACCEPTED)
    )
    connector_number = serializers.IntegerField(
        min_value=1, max_value=99, required=False, allow_null=True, write_only=True
    )
    connector = serializers.IntegerField(source="connector.connector_id", read_only=True, allow_null=True)

    class Meta:
        model = BreakdownReport
        fields = [
            "id",
            "station",
            "connector_number",
            "connector",
            "category",
            "description",
            "status",
            "work_order",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = ["status", "work_order", "created_at", "resolved_at"]
        extra_kwargs = {"description": {"max_length": 2000}}


@extend_schema_view(
    list=extend_schema(tags=["operations"], summary="Breakdown reports (drivers: their own; staff: all)"),
    retrieve=extend_schema(tags=["operations"]),
    create=extend_schema(tags=["operations"], summary="Report a broken charger (drivers)"),
)
class BreakdownReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = BreakdownReportSerializer
    permission_classes = [IsDriver]
    filterset_fields = ["station", "status", "category"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BreakdownReport.objects.none()
        reports = BreakdownReport.objects.select_related("connector").order_by("-created_at", "-id")
        if self.request.user.is_staff:
            return reports
        return reports.filter(driver=driver_of(self.request.user))

    @idempotent
    def create(self, request, *args, **kwargs):
        driver = driver_of(request.user)
        if driver is None:
            raise PermissionDenied("Breakdown reports are filed by drivers.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        station = data["station"]
        number = data.get("connector_number")
        connector = station.connectors.filter(connector_id=number).first() if number else None
        if number and connector is None:
            raise serializers.ValidationError({"connector_number": ["The station has no such connector."]})
        report = breakdowns.breakdown_report_create(
            driver=driver,
            station=station,
            connector=connector,
            description=data["description"],
            category=data.get("category", BreakdownReport.Category.OTHER),
            source="api",
        )
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)
