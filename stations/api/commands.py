"""Charger command requests: staff queue a protocol-neutral request (or, as the escape
hatch, a raw frame of the station's protocol); staff and the caller who asked read a
request's status and the charger's neutral result. Starting, stopping and reserving
have their own endpoints (`sessions/…`, `reservations/…`), which apply the charge and
reservation rules."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.api.idempotency import idempotent
from config.api.roles import IsStaff
from stations.models import ChargingStation, CommandRequest
from stations.services.commands import command_request

# These go through a domain rule (charge_start/charge_stop, reservations), never straight here.
RULED_ACTIONS = {
    CommandRequest.Action.START,
    CommandRequest.Action.STOP,
    CommandRequest.Action.RESERVE,
    CommandRequest.Action.CANCEL_RESERVATION,
}


class CommandSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommandRequest
        fields = [
            "id",
            "station",
            "action",
            "parameters",
            "raw_protocol",
            "raw_action",
            "status",
            "source",
            "requested_by",
            "created_at",
            "expires_at",
            "sent_at",
            "responded_at",
            "result",
            "error_code",
            "error_description",
        ]
        read_only_fields = fields


class CommandRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[choice for choice in CommandRequest.Action.choices if choice[0] not in RULED_ACTIONS],
        help_text="Domain action; `raw` sends `raw_action` with `parameters` as its payload.",
    )
    parameters = serializers.DictField(
        required=False, default=dict, help_text="Protocol-neutral parameters (for `raw`: the frame's payload)."
    )
    raw_action = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=64,
        help_text="`raw` only: the action name in the station's protocol.",
    )
    ttl_seconds = serializers.IntegerField(
        required=False, min_value=10, max_value=7 * 86400, help_text="Expire undelivered after this many seconds."
    )


@extend_schema_view(
    get=extend_schema(tags=["commands"], summary="Command requests to this station (staff)"),
    post=extend_schema(
        tags=["commands"],
        summary="Queue a command request for the station (staff)",
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
        return CommandRequest.objects.filter(station_id=self.kwargs.get("station_id")).order_by("-created_at", "-pk")

    @idempotent
    def post(self, request, *args, **kwargs):
        station = self.get_station()
        serializer = CommandRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            command = command_request(
                station=station,
                requested_by=request.user,
                source=CommandRequest.Source.API,
                **serializer.validated_data,
            )
        except ValueError as error:  # CommandError: parameters that do not fit the action or the protocol
            raise serializers.ValidationError({"parameters": [str(error)]}) from error
        return Response(CommandSerializer(command).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["commands"], summary="A command request's status and the charger's result")
class CommandDetailView(generics.RetrieveAPIView):
    """Staff see every request; other callers only the ones they asked for."""

    permission_classes = [IsAuthenticated]
    serializer_class = CommandSerializer

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or user.is_staff:
            return CommandRequest.objects.all()
        return CommandRequest.objects.filter(requested_by=user)
