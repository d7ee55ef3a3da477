"""`me/`, `me/tokens/`, `me/vehicles/`: a driver's own account. Every queryset starts
from the caller's driver profile, so other drivers' objects are 404."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from config.api.idempotency import idempotent
from config.api.roles import driver_of
from drivers.models import Driver, Token, Vehicle
from drivers.services import tokens as driver_tokens
from drivers.services import vehicles
from drivers.services.accounts import PROFILE_FIELDS, driver_profile_update


def caller_driver(request) -> Driver:
    driver = driver_of(request.user)
    if driver is None:
        raise PermissionDenied(_("This endpoint is for driver accounts."))
    return driver


class MeSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(source="user.last_name", max_length=150, required=False, allow_blank=True)
    email_verified = serializers.SerializerMethodField()

    class Meta:
        model = Driver
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            *PROFILE_FIELDS,
            "account_status",
            "email_verified",
            "created_at",
        ]
        read_only_fields = ["account_status", "created_at"]

    def get_email_verified(self, driver: Driver) -> bool:
        return driver.email_verified_at is not None


@extend_schema(tags=["me"])
class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in driver's profile."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "put", "head", "options"]

    def get_object(self) -> Driver:
        return caller_driver(self.request)

    def update(self, request, *args, **kwargs):
        driver = self.get_object()
        serializer = self.get_serializer(driver, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        names = data.pop("user", {})
        driver = driver_profile_update(
            driver=driver,
            first_name=names.get("first_name", driver.user.first_name),
            last_name=names.get("last_name", driver.user.last_name),
            **data,
        )
        return Response(self.get_serializer(driver).data)


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = Token
        fields = ["id", "uid", "kind", "contract_id", "label", "status", "expires_at", "created_at", "blocked_at"]
        read_only_fields = ["uid", "kind", "contract_id", "status", "expires_at", "created_at", "blocked_at"]


class TokenCreateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(tags=["me"], summary="My tokens (RFID cards and app tokens)"),
    retrieve=extend_schema(tags=["me"]),
    partial_update=extend_schema(tags=["me"], summary="Rename a token"),
    create=extend_schema(
        tags=["me"], summary="Issue a new app token", request=TokenCreateSerializer, responses={201: TokenSerializer}
    ),
    block=extend_schema(tags=["me"], summary="Block a lost or stolen token (idempotent)", request=None),
)
class MyTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    serializer_class = TokenSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Token.objects.none()
        return Token.objects.filter(driver=caller_driver(self.request)).order_by("pk")

    @idempotent
    def create(self, request, *args, **kwargs):
        driver = caller_driver(request)
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = driver_tokens.token_create(driver=driver, kind=Token.Kind.APP, label=serializer.validated_data["label"])
        return Response(TokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        token = self.get_object()
        serializer = self.get_serializer(token, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        token = driver_tokens.token_relabel(token=token, label=serializer.validated_data.get("label", token.label))
        return Response(self.get_serializer(token).data)

    @action(detail=True, methods=["post"])
    def block(self, request, pk=None):
        token = driver_tokens.token_block(token=self.get_object())
        return Response(self.get_serializer(token).data)


class VehicleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vehicle
        fields = ["id", *vehicles.VEHICLE_FIELDS, "created_at"]
        read_only_fields = ["created_at"]


@extend_schema_view(
    list=extend_schema(tags=["me"]),
    retrieve=extend_schema(tags=["me"]),
    create=extend_schema(tags=["me"]),
    update=extend_schema(tags=["me"]),
    partial_update=extend_schema(tags=["me"]),
    destroy=extend_schema(tags=["me"]),
)
class MyVehicleViewSet(viewsets.ModelViewSet):
    serializer_class = VehicleSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Vehicle.objects.none()
        return Vehicle.objects.filter(driver=caller_driver(self.request)).order_by("pk")

    @idempotent
    def create(self, request, *args, **kwargs):
        driver = caller_driver(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vehicle = vehicles.vehicle_add(driver=driver, **serializer.validated_data)
        return Response(self.get_serializer(vehicle).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        vehicle = self.get_object()
        serializer = self.get_serializer(vehicle, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        vehicle = vehicles.vehicle_update(vehicle=vehicle, **serializer.validated_data)
        return Response(self.get_serializer(vehicle).data)

    def destroy(self, request, *args, **kwargs):
        vehicles.vehicle_remove(vehicle=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
