"""`analytics/`: sessions, energy, revenue, utilisation and uptime per day or month for the
stations the caller may analyse (staff: all; owners: their own)."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.money import money_round
from config.api.roles import IsStaffOrOwnerReadOnly
from stations.selectors import analytics

MAX_DAYS = {"day": 366, "month": 3660}


class AnalyticsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (UTC); default 30 days ago.")
    end = serializers.DateField(required=False, help_text="Last day, inclusive; default today.")
    period = serializers.ChoiceField(choices=["day", "month"], default="day")
    station = serializers.IntegerField(required=False, min_value=1, help_text="Only this station.")
    site = serializers.IntegerField(required=False, min_value=1, help_text="Only this site's stations.")

    def validate(self, data):
        data.setdefault("end", timezone.now().date())
        data.setdefault("start", data["end"] - timedelta(days=30))
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": ["Must not be before start."]})
        if (data["end"] - data["start"]).days > MAX_DAYS[data["period"]]:
            raise serializers.ValidationError({"start": [f"At most {MAX_DAYS[data['period']]} days per request."]})
        return data


class AnalyticsRowSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    sessions = serializers.IntegerField()
    energy_wh = serializers.IntegerField()
    revenue = serializers.DictField(
        child=serializers.CharField(), help_text="Net revenue excl. VAT by currency, decimal strings."
    )
    utilisation_percent = serializers.FloatField(allow_null=True)
    uptime_percent = serializers.FloatField(allow_null=True)


class AnalyticsTotalsSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    energy_wh = serializers.IntegerField()
    revenue = serializers.DictField(child=serializers.CharField())


class AnalyticsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    period = serializers.CharField()
    station_count = serializers.IntegerField()
    rows = AnalyticsRowSerializer(many=True)
    totals = AnalyticsTotalsSerializer()


def _money(revenue: dict) -> dict:
    return {currency: str(money_round(amount, currency)) for currency, amount in revenue.items()}


@extend_schema(tags=["operations"], parameters=[AnalyticsQuerySerializer], responses={200: AnalyticsSerializer})
class AnalyticsView(APIView):
    """Staff see the whole network; owners their own stations. Filters narrow it down."""

    permission_classes = [IsStaffOrOwnerReadOnly]

    def get(self, request):
        query = AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        stations = analytics.analytics_stations(user=request.user)
        if "station" in params:
            stations = stations.filter(pk=params["station"])
        if "site" in params:
            stations = stations.filter(site_id=params["site"])
        station_ids = list(stations.values_list("pk", flat=True))
        rows = analytics.analytics_series(
            station_ids=station_ids, start=params["start"], end=params["end"], period=params["period"]
        )
        totals = analytics.analytics_totals(rows)
        body = {
            "start": params["start"],
            "end": params["end"],
            "period": params["period"],
            "station_count": len(station_ids),
            "rows": [{**row, "revenue": _money(row["revenue"])} for row in rows],
            "totals": {**totals, "revenue": _money(totals["revenue"])},
        }
        return Response(AnalyticsSerializer(body).data)
