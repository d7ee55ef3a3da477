"""`stations/`: staff create, change and delete stations with their connectors; owners
read the stations they own."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.idempotency import idempotent
from config.api.roles import IsStaffOrOwnerReadOnly
from stations.models import ChargingStation, Connector
from stations.selectors.api_access import stations_visible_to
from stations.services import registry, station_admin


class ConnectorSerializer(serializers.ModelSerializer):
    connector_id = serializers.IntegerField(min_value=1, max_value=99)

    class Meta:
        model = Connector
        fields = [
            "connector_id",
            "standard",
            "format",
            "power_type",
            "max_power_kw",
            "status",
            "error_code",
            "status_updated_at",
        ]
        read_only_fields = ["status", "error_code", "status_updated_at"]


class StationSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        min_length=16,
        max_length=40,
        help_text="HTTP Basic password for security profiles 1–2; stored hashed, never returned.",
    )
    has_password = serializers.SerializerMethodField()
    connectors = ConnectorSerializer(many=True, required=False)

    class Meta:
        model = ChargingStation
        fields = [
            "id",
            "identity",
            "site",
            "owner",
            "agreement",
            "vendor",
            "model",
            "serial_number",
            "firmware_version",
            "meter_type",
            "meter_serial_number",
            "iccid",
            "imsi",
            "ocpp_protocol",
            "security_profile",
            "password",
            "has_password",
            "registration_status",
            "heartbeat_interval",
            "commissioned_on",
            "status",
            "error_code",
            "is_connected",
            "is_online",
            "last_seen_at",
            "last_boot_at",
            "created_at",
            "connectors",
        ]
        read_only_fields = [
            "firmware_version",
            "status",
            "error_code",
            "is_connected",
            "is_online",
            "last_seen_at",
            "last_boot_at",
            "created_at",
        ]
        extra_kwargs = {"heartbeat_interval": {"min_value": 10, "max_value": 86400}}

    def get_has_password(self, station: ChargingStation) -> bool:
        return bool(station.password_hash)

    def validate_connectors(self, connectors: list[dict]) -> list[dict]:
        numbers = [item["connector_id"] for item in connectors]
        if len(numbers) != len(set(numbers)):
            raise serializers.ValidationError(_("Each connector_id may appear once."))
        return connectors


@extend_schema_view(
    list=extend_schema(tags=["stations"], summary="Stations (staff: all; owners: their own)"),
    retrieve=extend_schema(tags=["stations"]),
    create=extend_schema(tags=["stations"], summary="Create a station with its connectors (staff)"),
    update=extend_schema(tags=["stations"]),
    partial_update=extend_schema(tags=["stations"]),
    destroy=extend_schema(tags=["stations"]),
)
class StationViewSet(viewsets.ModelViewSet):
    permission_classes = [IsStaffOrOwnerReadOnly]
    serializer_class = StationSerializer
    filterset_fields = ["site", "owner", "registration_status", "is_online"]

    def get_queryset(self):
        return stations_visible_to(user=self.request.user).order_by("identity")

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        station = registry.station_create(**serializer.validated_data)
        return Response(self.get_serializer(station).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        station = self.get_object()
        serializer = self.get_serializer(station, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        try:
            station = station_admin.station_update(station=station, **serializer.validated_data)
        except station_admin.StationInUse as error:
            raise Conflict(str(error)) from error
        return Response(self.get_serializer(self.get_queryset().get(pk=station.pk)).data)

    def destroy(self, request, *args, **kwargs):
        try:
            station_admin.station_delete(station=self.get_object())
        except station_admin.StationInUse as error:
            raise Conflict(str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)
