"""`support-tickets/`: drivers open tickets and write in them; staff read all and reply."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from config.api.idempotency import idempotent
from config.api.roles import IsDriver, driver_of
from drivers.models import SupportTicket, TicketMessage
from drivers.services import support
from stations.models import ChargingSession


class TicketMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketMessage
        fields = ["id", "from_staff", "body", "created_at"]
        read_only_fields = ["from_staff", "created_at"]
        extra_kwargs = {"body": {"max_length": 5000}}


class SupportTicketSerializer(serializers.ModelSerializer):
    body = serializers.CharField(write_only=True, max_length=5000, help_text="The first message.")
    session = serializers.PrimaryKeyRelatedField(
        queryset=ChargingSession.objects.all(), required=False, allow_null=True
    )
    messages = TicketMessageSerializer(many=True, read_only=True)

    class Meta:
        model = SupportTicket
        fields = ["id", "subject", "topic", "session", "status", "body", "messages", "created_at", "updated_at"]
        read_only_fields = ["status", "created_at", "updated_at"]


@extend_schema_view(
    list=extend_schema(tags=["support"]),
    retrieve=extend_schema(tags=["support"]),
    create=extend_schema(tags=["support"], summary="Open a ticket (drivers)"),
    messages=extend_schema(
        tags=["support"],
        summary="Write in the ticket",
        request=TicketMessageSerializer,
        responses={201: TicketMessageSerializer},
    ),
    close=extend_schema(tags=["support"], summary="Close (idempotent)", request=None),
)
class SupportTicketViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SupportTicketSerializer
    permission_classes = [IsDriver]
    filterset_fields = ["status", "topic"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupportTicket.objects.none()
        tickets = SupportTicket.objects.prefetch_related("messages").order_by("-updated_at", "-id")
        if self.request.user.is_staff:
            return tickets
        return tickets.filter(driver=driver_of(self.request.user))

    @idempotent
    def create(self, request, *args, **kwargs):
        driver = driver_of(request.user)
        if driver is None:
            raise PermissionDenied("Tickets are opened by drivers.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = support.support_ticket_open(driver=driver, **serializer.validated_data)
        return Response(self.get_serializer(ticket).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    @idempotent
    def messages(self, request, pk=None):
        ticket = self.get_object()
        serializer = TicketMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = support.ticket_message_post(
            ticket=ticket, author=request.user, body=serializer.validated_data["body"]
        )
        return Response(TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        ticket = support.support_ticket_close(ticket=self.get_object())
        return Response(self.get_serializer(ticket).data)
