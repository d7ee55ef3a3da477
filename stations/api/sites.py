"""`sites/`: staff create and change sites (address, coordinates, time zone, opening
hours); owners read the sites where their stations stand."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from config.api.errors import Conflict
from config.api.idempotency import idempotent
from config.api.roles import IsStaffOrOwnerReadOnly
from stations.api.locations import OpeningHoursSerializer
from stations.models import Site
from stations.selectors.api_access import owner_organisation_ids
from stations.services import registry, station_admin


class SiteSerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(many=True, required=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)

    class Meta:
        model = Site
        fields = [
            "id",
            "name",
            "operator",
            "address",
            "city",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "time_zone",
            "is_open_24_7",
            "opening_hours",
            "parking_notes",
            "access_notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]


@extend_schema_view(
    list=extend_schema(tags=["stations"]),
    retrieve=extend_schema(tags=["stations"]),
    create=extend_schema(tags=["stations"], summary="Create a site (staff)"),
    update=extend_schema(tags=["stations"]),
    partial_update=extend_schema(tags=["stations"]),
    destroy=extend_schema(tags=["stations"]),
)
class SiteViewSet(viewsets.ModelViewSet):
    serializer_class = SiteSerializer
    permission_classes = [IsStaffOrOwnerReadOnly]
    filterset_fields = ["operator", "country", "city"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Site.objects.none()
        sites = Site.objects.prefetch_related("opening_hours").order_by("name", "id")
        if self.request.user.is_staff:
            return sites
        owner_ids = owner_organisation_ids(user=self.request.user)
        return sites.filter(stations__owner_id__in=owner_ids).distinct()

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        opening_hours = data.pop("opening_hours", [])
        with transaction.atomic():
            site = registry.site_create(**data)
            station_admin.opening_hours_add(site=site, opening_hours=opening_hours)
        return Response(self.get_serializer(site).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        site = self.get_object()
        serializer = self.get_serializer(site, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        site = station_admin.site_update(site=site, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=site.pk)).data)

    def destroy(self, request, *args, **kwargs):
        try:
            station_admin.site_delete(site=self.get_object())
        except station_admin.StationInUse as error:
            raise Conflict(str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)
