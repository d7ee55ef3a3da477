"""Commands through the outbox: staff send any OCPP call to a station; staff and the
caller who asked read a command's status and the charger's response."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.api.idempotency import idempotent
from config.api.roles import IsStaff
from ocpp_gateway import commands
from ocpp_gateway.models import Command
from stations.models import ChargingStation

# OCPP 1.6 calls the CSMS initiates (the ocpp package's v16 call classes).
OCPP16_CSMS_ACTIONS = [
    "CancelReservation",
    "ChangeAvailability",
    "ChangeConfiguration",
    "ClearCache",
    "ClearChargingProfile",
    "DataTransfer",
    "GetCompositeSchedule",
    "GetConfiguration",
    "GetDiagnostics",
    "GetLocalListVersion",
    "RemoteStartTransaction",
    "RemoteStopTransaction",
    "ReserveNow",
    "Reset",
    "SendLocalList",
    "SetChargingProfile",
    "TriggerMessage",
    "UnlockConnector",
    "UpdateFirmware",
]


class CommandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Command
        fields = [
            "id",
            "station",
            "action",
            "payload",
            "status",
            "source",
            "requested_by",
            "created_at",
            "expires_at",
            "sent_at",
            "responded_at",
            "response",
            "error_code",
            "error_description",
        ]
        read_only_fields = fields


class CommandRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=OCPP16_CSMS_ACTIONS, help_text="OCPP 1.6 action name.")
    payload = serializers.DictField(
        required=False, default=dict, help_text="The call's payload, camelCase as in the OCPP 1.6 JSON schema."
    )
    ttl_seconds = serializers.IntegerField(
        required=False, min_value=10, max_value=7 * 86400, help_text="Expire undelivered after this many seconds."
    )


@extend_schema_view(
    get=extend_schema(tags=["commands"], summary="Commands sent to this station (staff)"),
    post=extend_schema(
        tags=["commands"],
        summary="Send an OCPP command to the station (staff)",
        request=CommandRequestSerializer,
        responses={202: CommandSerializer},
    ),
)
class StationCommandView(generics.ListCreateAPIView):
    permission_classes = [IsStaff]
    serializer_class = CommandSerializer
    filterset_fields = ["status", "action"]

    def get_station(self) -> ChargingStation:
        return get_object_or_404(ChargingStation, pk=self.kwargs["station_id"])

    def get_queryset(self):
        return Command.objects.filter(station_id=self.kwargs.get("station_id")).order_by("-created_at", "-pk")

    @idempotent
    def post(self, request, *args, **kwargs):
        station = self.get_station()
        serializer = CommandRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            command = commands.send(
                station=station, requested_by=request.user, source=Command.Source.API, **serializer.validated_data
            )
        except ValueError as error:  # commands.CommandError: unknown action or payload off the schema
            raise serializers.ValidationError({"payload": [str(error)]}) from error
        return Response(CommandSerializer(command).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["commands"], summary="A command's status and the charger's response")
class CommandDetailView(generics.RetrieveAPIView):
    """Staff see every command; other callers only the commands they asked for."""

    permission_classes = [IsAuthenticated]
    serializer_class = CommandSerializer

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or user.is_staff:
            return Command.objects.all()
        return Command.objects.filter(requested_by=user)
