"""Operations through the API: `incidents/` and `work-orders/` (staff; owners read those
at their stations). Drivers' `breakdown-reports/` are drivers' (drivers/api/breakdowns.py)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.idempotency import idempotent
from config.api.roles import IsStaffOrOwnerReadOnly
from stations.models import Incident, WorkOrder
from stations.operations.services import incidents, maintenance
from stations.selectors.api_access import owner_organisation_ids


def _at_visible_stations(queryset, user):
    return queryset if user.is_staff else queryset.filter(station__owner_id__in=owner_organisation_ids(user=user))


class IncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = [
            "id",
            "station",
            "connector_number",
            "cause",
            "severity",
            "status",
            "error_code",
            "summary",
            "occurrences",
            "first_seen_at",
            "last_seen_at",
            "opened_at",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=255)


@extend_schema_view(
    list=extend_schema(tags=["operations"]),
    retrieve=extend_schema(tags=["operations"]),
    resolve=extend_schema(
        tags=["operations"], summary="Resolve by hand (staff, idempotent)", request=ResolveSerializer
    ),
)
class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IncidentSerializer
    permission_classes = [IsStaffOrOwnerReadOnly]
    filterset_fields = ["station", "status", "cause", "severity"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Incident.objects.none()
        return _at_visible_stations(Incident.objects.order_by("-last_seen_at", "-id"), self.request.user)

    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = incidents.incident_resolve(
            incident=self.get_object(), user=request.user, resolution=serializer.validated_data["resolution"]
        )
        return Response(self.get_serializer(incident).data)


class WorkOrderSerializer(serializers.ModelSerializer):
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=200), write_only=True, required=False, default=list
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "kind",
            "status",
            "station",
            "connectors",
            "title",
            "description",
            "incident",
            "assignee",
            "contractor",
            "due_date",
            "scheduled_start",
            "scheduled_end",
            "started_at",
            "completed_at",
            "set_inoperative",
            "notes",
            "time_spent_minutes",
            "checklist",
            "created_at",
        ]
        read_only_fields = ["status", "started_at", "completed_at", "notes", "time_spent_minutes", "created_at"]


class WorkOrderCloseSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    time_spent_minutes = serializers.IntegerField(required=False, min_value=0, max_value=100000)


@extend_schema_view(
    list=extend_schema(tags=["operations"]),
    retrieve=extend_schema(tags=["operations"]),
    create=extend_schema(tags=["operations"], summary="Create a work order (staff)"),
    start=extend_schema(tags=["operations"], summary="Start work (idempotent)", request=None),
    complete=extend_schema(tags=["operations"], summary="Finish (idempotent)", request=WorkOrderCloseSerializer),
    cancel=extend_schema(tags=["operations"], summary="Cancel", request=WorkOrderCloseSerializer),
)
class WorkOrderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = WorkOrderSerializer
    permission_classes = [IsStaffOrOwnerReadOnly]
    filterset_fields = ["station", "status", "kind", "due_date"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WorkOrder.objects.none()
        orders = WorkOrder.objects.prefetch_related("connectors").order_by("due_date", "id")
        return _at_visible_stations(orders, self.request.user)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        work_order = maintenance.work_order_create(created_by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(work_order).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        work_order = self.get_object()
        if not work_order.is_open:
            raise Conflict(f"The work order is {work_order.get_status_display().lower()}.")
        work_order = maintenance.work_order_start(work_order=work_order, user=request.user)
        return Response(self.get_serializer(work_order).data)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        serializer = WorkOrderCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        work_order = maintenance.work_order_complete(
            work_order=self.get_object(), user=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(work_order).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        serializer = WorkOrderCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        work_order = self.get_object()
        if work_order.status == WorkOrder.Status.DONE:
            raise Conflict("A finished work order cannot be cancelled.")
        work_order = maintenance.work_order_cancel(
            work_order=work_order, user=request.user, notes=serializer.validated_data["notes"]
        )
        return Response(self.get_serializer(work_order).data)
