"""`sessions/`: charging sessions in each caller's scope, with a live cost estimate;
`sessions/{id}/stop` queues a stop through the charge rule (202 + the command, 409 with the
refusal's code). Starting is drivers' (`drivers/api/sessions.py`: it needs a token)."""

from types import SimpleNamespace

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.fields import AmountField
from config.api.filters import UtcDateTimeFilter
from config.api.idempotency import idempotent
from config.api.roles import IsDriver, IsStaffOrOwnerOrDriverReadOnly
from stations import prices
from stations.api.commands import CommandSerializer
from stations.authorization import driver_session_filter
from stations.models import ChargingSession, CommandRequest
from stations.selectors.api_access import sessions_visible_to
from stations.services.charging import ChargeRefused, charge_stop


class MoneySerializer(serializers.Serializer):
    amount = AmountField(help_text="Incl. VAT.")
    currency = serializers.CharField(help_text="ISO 4217")
    final = serializers.BooleanField(help_text="True once the session is priced into a CDR.")


class SessionListSerializer(serializers.ListSerializer):
    """A page of sessions: the priced ones' costs are read together (one query for their
    CDRs), not one session at a time."""

    def to_representation(self, data):
        sessions = list(data.all() if hasattr(data, "all") else data)
        self.child.page_costs = prices.session_costs(sessions=sessions)
        return super().to_representation(sessions)


class SessionSerializer(serializers.ModelSerializer):
    station_identity = serializers.CharField(source="station.identity", read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField()
    # The token that started the session is drivers' link (drivers.SessionToken); null if none.
    token = serializers.IntegerField(source="token_link.token_id", read_only=True, allow_null=True)

    class Meta:
        model = ChargingSession
        fields = [
            "id",
            "station",
            "station_identity",
            "connector_number",
            "token",
            "status",
            "auth_status",
            "started_at",
            "stopped_at",
            "duration_seconds",
            "meter_start_wh",
            "meter_stop_wh",
            "energy_wh",
            "last_power_w",
            "last_meter_at",
            "stop_reason",
            "cost",
        ]
        read_only_fields = fields
        list_serializer_class = SessionListSerializer

    def get_duration_seconds(self, session: ChargingSession) -> int:
        end = session.stopped_at or timezone.now()
        return max(0, int((end - session.started_at).total_seconds()))

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_cost(self, session: ChargingSession) -> dict | None:
        if session.status == ChargingSession.Status.REJECTED:
            return None
        # Read with the page when it could be; otherwise (a finished session not priced
        # yet, a single session) asked for on its own.
        cost = getattr(self, "page_costs", {}).get(session.pk) or prices.session_cost(session=session)
        if cost is None:
            return None
        amount, currency, final = cost
        return MoneySerializer(SimpleNamespace(amount=amount, currency=currency, final=final)).data


class SessionFilter(django_filters.FilterSet):
    started_after = UtcDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = ChargingSession
        fields = ["status", "station", "started_after", "started_before"]


@extend_schema_view(
    list=extend_schema(tags=["sessions"], summary="Charging sessions (driver: own; owner: at own stations; staff)"),
    retrieve=extend_schema(tags=["sessions"]),
    stop=extend_schema(
        tags=["sessions"],
        summary="Stop charging: queues a remote stop (409 with a code: session ended, charger offline)",
        request=None,
        responses={202: CommandSerializer},
    ),
)
class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SessionSerializer
    permission_classes = [IsStaffOrOwnerOrDriverReadOnly]
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    filterset_class = SessionFilter
    ordering_fields = ["started_at", "stopped_at", "energy_wh"]
    ordering = ["-started_at", "-id"]
    # Numeric ids only, so that drivers' `sessions/start/` is not read as a session's id.
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChargingSession.objects.none()
        # The token that started each session is drivers' link, read with the session.
        return sessions_visible_to(user=self.request.user).select_related("token_link")

    def get_permissions(self):
        if self.action == "stop":
            return [IsDriver()]
        return super().get_permissions()

    @action(detail=True, methods=["post"])
    @idempotent
    def stop(self, request, pk=None):
        session = self._own_session()
        try:
            command = charge_stop(session=session, requested_by=request.user, source=CommandRequest.Source.API)
        except ChargeRefused as refusal:
            raise Conflict(refusal.message, code=refusal.code) from refusal
        return Response(CommandSerializer(command).data, status=status.HTTP_202_ACCEPTED)

    def _own_session(self) -> ChargingSession:
        """Drivers stop their own sessions; staff any. Owners read but never stop."""
        sessions = ChargingSession.objects.all()
        if not self.request.user.is_staff:
            sessions = sessions.filter(driver_session_filter(user=self.request.user))
        return get_object_or_404(sessions, pk=self.kwargs["pk"])
