"""`reservations/`: a driver reserves a connector (ReserveNow through the outbox) and
cancels it (CancelReservation); staff see all."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.idempotency import idempotent
from config.api.roles import IsDriver, driver_of
from drivers.models import Reservation, Token
from drivers.services import reservations as driver_reservations
from drivers.services.tokens import driver_app_token
from stations.models import ChargingStation, RegistrationStatus


class ReservationSerializer(serializers.ModelSerializer):
    station = serializers.PrimaryKeyRelatedField(
        queryset=ChargingStation.objects.filter(registration_status=RegistrationStatus.ACCEPTED)
    )
    token = serializers.PrimaryKeyRelatedField(
        queryset=Token.objects.all(), required=False, help_text="One of your tokens; default: your app token."
    )
    connector_number = serializers.IntegerField(min_value=0, max_value=99, default=0, help_text="0 = any connector.")

    class Meta:
        model = Reservation
        fields = [
            "id",
            "station",
            "connector_number",
            "token",
            "expires_at",
            "status",
            "charger_status",
            "session_id",
            "created_at",
        ]
        read_only_fields = ["status", "charger_status", "session_id", "created_at"]


@extend_schema_view(
    list=extend_schema(tags=["reservations"]),
    retrieve=extend_schema(tags=["reservations"]),
    create=extend_schema(tags=["reservations"], summary="Reserve a connector (queues ReserveNow)"),
    cancel=extend_schema(tags=["reservations"], summary="Cancel (queues CancelReservation)", request=None),
)
class ReservationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReservationSerializer
    permission_classes = [IsDriver]
    filterset_fields = ["status", "station"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Reservation.objects.none()
        reservations = Reservation.objects.order_by("-created_at", "-id")
        if self.request.user.is_staff:
            return reservations
        return reservations.filter(driver=driver_of(self.request.user))

    @idempotent
    def create(self, request, *args, **kwargs):
        driver = driver_of(request.user)
        if driver is None:
            raise PermissionDenied("Reservations are made by drivers.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reservation = driver_reservations.reservation_request(
            token=data.get("token") or driver_app_token(driver=driver),
            station=data["station"],
            expires_at=data["expires_at"],
            connector_number=data["connector_number"],
            driver=driver,
            requested_by=request.user,
            source="api",
        )
        return Response(self.get_serializer(reservation).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        try:
            reservation = driver_reservations.reservation_cancel(
                reservation=self.get_object(), requested_by=request.user, source="api"
            )
        except ValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        return Response(self.get_serializer(reservation).data)
