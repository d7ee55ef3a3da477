"""Site load management over the API (staff): a site's limits, each active session's
share and why, and the recent event log; and the live signal of other building load,
posted by a building's energy manager (docs/smart-charging.md)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.idempotency import idempotent
from config.api.roles import IsStaff
from stations.load_management import selectors, services, tasks
from stations.models import LoadNode


class NodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    station = serializers.CharField(allow_null=True)
    max_current_a = serializers.FloatField(allow_null=True, help_text="In force now (time-of-day windows applied).")
    max_power_kw = serializers.FloatField(allow_null=True)
    other_load_a = serializers.ListField(child=serializers.FloatField(), help_text="Per phase, as used now.")
    signal = serializers.CharField()


class SessionShareSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    station = serializers.CharField()
    connector = serializers.IntegerField()
    limit = serializers.DecimalField(max_digits=9, decimal_places=1)
    unit = serializers.CharField(help_text="A (per phase) or W.")
    sent_limit = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    controlled = serializers.BooleanField()
    reason = serializers.CharField()
    power_w = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    station = serializers.IntegerField(source="station_id", allow_null=True)
    session = serializers.IntegerField(source="session_id", allow_null=True)
    message = serializers.CharField()


class SiteLoadSerializer(serializers.Serializer):
    site = serializers.IntegerField(source="site.pk")
    enabled = serializers.BooleanField(source="policy.enabled")
    fail_safe = serializers.CharField(source="policy.fail_safe")
    safety_margin_percent = serializers.DecimalField(
        source="policy.safety_margin_percent", max_digits=4, decimal_places=1
    )
    nodes = NodeSerializer(many=True)
    sessions = SessionShareSerializer(many=True)
    events = EventSerializer(many=True)


class SignalSerializer(serializers.Serializer):
    l1_a = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    l2_a = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    l3_a = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    measured_at = serializers.DateTimeField(required=False, help_text="Default: now.")


@extend_schema(tags=["load management"], summary="A site's limits, allocations and event log (staff)")
class SiteLoadView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=SiteLoadSerializer)
    def get(self, request, site_id: int):
        overview = selectors.site_load_overview(site_id=site_id, now=timezone.now())
        if overview is None:
            # Raised, so that the API's error shape ({type, detail, errors}) answers it.
            raise NotFound("This site has no load management policy.")
        return Response(SiteLoadSerializer(overview).data)


@extend_schema(
    tags=["load management"],
    summary="Post the other (building) load measured at a node, per phase (staff)",
    request=SignalSerializer,
    responses={202: None},
)
class NodeSignalView(APIView):
    permission_classes = [IsStaff]

    @idempotent
    def post(self, request, node_id: int):
        node = get_object_or_404(LoadNode, pk=node_id)
        data = SignalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.other_load_record(
                node=node,
                l1_a=values["l1_a"],
                l2_a=values["l2_a"],
                l3_a=values["l3_a"],
                at=values.get("measured_at") or timezone.now(),
            )
        except ValueError as error:
            raise serializers.ValidationError({"node": [str(error)]}) from error
        tasks.site_rebalance.delay(node.site_id)
        return Response(status=status.HTTP_202_ACCEPTED)
