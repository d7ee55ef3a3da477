"""`locations/`: the public search — sites, their stations, connectors and live status.
The search is the portal's (stations.selectors.locations); the `tariff` of each location is
billing's, which registers its reader here at start-up (stations may not import billing)."""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from config.api.fields import LocalTimeField
from stations.models import ChargePointStatus, ChargingStation, Connector, OpeningHours, Site
from stations.selectors import locations as location_selectors

# {site id: the public tariff in force there, in OCPI shape} for a page of sites.
SiteTariffs = Callable[..., dict[int, dict]]
_site_tariffs: SiteTariffs | None = None


def site_tariffs_register(reader: SiteTariffs) -> None:
    """Billing's `reader(*, site_ids, at)`; without one, every location's tariff is null."""
    global _site_tariffs
    _site_tariffs = reader


def _tariffs_for(site_ids: list[int], at: datetime) -> dict[int, dict]:
    return _site_tariffs(site_ids=site_ids, at=at) if _site_tariffs is not None and site_ids else {}


def site_tariffs(*, site_ids: list[int], at: datetime) -> dict[int, dict]:
    """{site id: its public tariff at `at`, OCPI-shaped} as locations show it; {} without billing."""
    return _tariffs_for(site_ids, at)


class LocationQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, default="", max_length=100, help_text="Words to find in the name, address, city or postcode."
    )
    near = serializers.RegexField(
        r"^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$",
        required=False,
        help_text="`<latitude>,<longitude>` in decimal degrees; results are ordered by distance.",
    )
    radius_km = serializers.FloatField(
        required=False, min_value=0.1, max_value=location_selectors.MAX_RADIUS_KM, help_text="Default 25 km."
    )
    connector_standard = serializers.ChoiceField(choices=Connector.Standard.choices, required=False)
    min_power_kw = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False)
    available = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only sites with a connector that is Available on a connected or online station.",
    )
    open = serializers.BooleanField(
        required=False, default=False, help_text="Only sites open now (opening hours in the site's time zone)."
    )

    def validate_near(self, value: str) -> tuple[float, float]:
        latitude, longitude = (float(part) for part in value.split(","))
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise serializers.ValidationError("Latitude must be within ±90 and longitude within ±180.")
        return latitude, longitude

    def location_query(self) -> location_selectors.LocationQuery:
        data = self.validated_data
        return location_selectors.LocationQuery(
            text=data["q"],
            near=data.get("near"),
            radius_km=data.get("radius_km"),
            connector_standard=data.get("connector_standard", ""),
            min_power_kw=data.get("min_power_kw"),
            available=data["available"],
            open_now=data["open"],
        )


class PublicConnectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Connector
        fields = ["connector_id", "standard", "format", "power_type", "max_power_kw", "status", "status_updated_at"]

    def to_representation(self, connector: Connector) -> dict:
        # Written out because it runs for every connector of every site on a search page:
        # DRF's field-by-field path was a fifth of the request's CPU. The declared fields
        # still describe the schema; a test keeps both representations equal.
        return {
            "connector_id": connector.connector_id,
            "standard": connector.standard,
            "format": connector.format,
            "power_type": connector.power_type,
            "max_power_kw": format(connector.max_power_kw, ".2f"),
            "status": connector.status,
            "status_updated_at": _DATETIME.to_representation(connector.status_updated_at),
        }


class PublicStationSerializer(serializers.ModelSerializer):
    connectors = PublicConnectorSerializer(many=True, read_only=True, source="public_connectors")
    status = serializers.ChoiceField(choices=ChargePointStatus.choices, read_only=True)

    class Meta:
        model = ChargingStation
        fields = ["id", "identity", "vendor", "model", "is_online", "status", "connectors"]

    def to_representation(self, station: ChargingStation) -> dict:
        # Written out for the same reason as PublicConnectorSerializer's.
        connector_serializer = self.fields["connectors"].child
        return {
            "id": station.id,
            "identity": station.identity,
            "vendor": station.vendor,
            "model": station.model,
            "is_online": station.is_online,
            "status": station.status,
            "connectors": [connector_serializer.to_representation(c) for c in station.public_connectors],
        }


_DATETIME = serializers.DateTimeField()  # None stays None, as for the declared field


class OpeningHoursSerializer(serializers.ModelSerializer):
    opens_at = LocalTimeField()
    closes_at = LocalTimeField()

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens_at", "closes_at"]


class LocationSerializer(serializers.ModelSerializer):
    operator = serializers.CharField(source="operator_name", read_only=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, read_only=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, read_only=True)
    opening_hours = OpeningHoursSerializer(many=True, read_only=True, source="public_opening_hours")
    stations = PublicStationSerializer(many=True, read_only=True, source="public_stations")
    distance_km = serializers.SerializerMethodField()
    tariff = serializers.SerializerMethodField()

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
            "distance_km",
            "tariff",
            "stations",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True, help_text="Only when `near` is given."))
    def get_distance_km(self, site: Site) -> float | None:
        distance = getattr(site, "distance_km", None)
        return None if distance is None else round(distance, 3)

    @extend_schema_field(
        serializers.DictField(allow_null=True, help_text="The public tariff in force at this site, in OCPI shape.")
    )
    def get_tariff(self, site: Site) -> dict | None:
        return self.context.get("site_tariffs", {}).get(site.pk)


class _WithSiteTariffs:
    """Looks the tariffs up once for all the sites being serialized."""

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        sites = instance if isinstance(instance, list) else [instance] if instance is not None else []
        kwargs.setdefault("context", self.get_serializer_context())
        kwargs["context"]["site_tariffs"] = _tariffs_for([site.pk for site in sites], timezone.now())
        return self.get_serializer_class()(*args, **kwargs)


@extend_schema(tags=["locations"], parameters=[LocationQuerySerializer])
class LocationListView(_WithSiteTariffs, generics.ListAPIView):
    """Public: sites with their stations and connectors, searchable by position and equipment."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = LocationSerializer
    filter_backends = []

    def get_queryset(self):
        query = LocationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return location_selectors.locations_search(query=query.location_query())


@extend_schema(tags=["locations"])
class LocationDetailView(_WithSiteTariffs, generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = LocationSerializer
    filter_backends = []

    def get_object(self):
        site = location_selectors.location_detail(site_id=self.kwargs["pk"])
        if site is None:
            raise NotFound()
        return site
