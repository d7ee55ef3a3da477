"""`sessions/start/`: a driver (or staff, naming a token) starts charging through the one
charge rule; 202 with the queued command, 409 with the refusal's code. Reading and
stopping sessions is stations' (`stations/api/sessions.py`)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from config.api.errors import Conflict, ErrorSerializer
from config.api.idempotency import idempotent
from config.api.roles import IsDriver
from drivers.models import Driver, Token
from drivers.services.charging import ChargeRefused, charge_start
from drivers.services.tokens import driver_app_token
from stations.api.commands import CommandSerializer
from stations.models import ChargingStation, CommandRequest


class SessionStartSerializer(serializers.Serializer):
    station = serializers.PrimaryKeyRelatedField(queryset=ChargingStation.objects.all())
    connector = serializers.IntegerField(min_value=1, max_value=99, help_text="OCPP connectorId at the station.")
    token = serializers.PrimaryKeyRelatedField(
        queryset=Token.objects.all(), required=False, help_text="One of your tokens; default: your app token."
    )

    def validate(self, data):
        if not data["station"].connectors.filter(connector_id=data["connector"]).exists():
            raise serializers.ValidationError({"connector": _("This station has no such connector.")})
        data["token"] = _start_token(user=self.context["request"].user, token=data.get("token"))
        return data


def _start_token(*, user, token: Token | None) -> Token:
    """Drivers start with their own tokens (their app token by default); staff name one."""
    driver = Driver.objects.filter(user=user).first()
    if user.is_staff:
        if token is None and driver is None:
            raise serializers.ValidationError({"token": _("Staff must name the token to start with.")})
        return token or driver_app_token(driver=driver)
    if driver is None:
        raise serializers.ValidationError({"token": _("Only drivers start sessions.")})
    if token is None:
        return driver_app_token(driver=driver)
    if token.driver_id != driver.pk:
        raise serializers.ValidationError({"token": _("No such token.")})
    return token


class SessionStartView(generics.GenericAPIView):
    permission_classes = [IsDriver]
    serializer_class = SessionStartSerializer

    @extend_schema(
        tags=["sessions"],
        summary="Start charging: queues a remote start (409 with a code when the charge rule refuses)",
        request=SessionStartSerializer,
        responses={202: CommandSerializer, 409: ErrorSerializer},
    )
    @idempotent
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            command = charge_start(
                station=data["station"],
                connector_number=data["connector"],
                id_tag=data["token"].uid,
                requested_by=request.user,
                source=CommandRequest.Source.API,
            )
        except ChargeRefused as refusal:
            raise Conflict(refusal.message, code=refusal.code) from refusal
        return Response(CommandSerializer(command).data, status=status.HTTP_202_ACCEPTED)
