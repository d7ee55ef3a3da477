"""Demo data for the pipeline and asset pages: candidate sites at several stages near the
demo network (so their demand has nearby evidence), an energy price for every demo site
and each demo station's installation with its CAPEX. Idempotent: found by natural keys."""

from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from stations.demo import OPERATOR
from stations.models import AssetEvent, CandidateSite, ChargingStation, EnergyPrice, Organisation, Site
from stations.pipeline.models.candidates import STAGE_ORDER
from stations.pipeline.services import candidates as candidate_services

# Installed cost by hardware model, excl. VAT, as a CPO would budget it (hardware, civil
# works and connection of the charger itself; the grid connection is the candidate's).
CAPEX_BY_MODEL = {
    "AC Wallbox 7": Decimal("1800"),
    "KeContact P30 x": Decimal("4200"),
    "Terra 54": Decimal("38000"),
    "S-Series 150": Decimal("82000"),
    "HYC400": Decimal("165000"),
}

CANDIDATES = (
    # name, city, postal code, address, latitude, longitude, reached stage, traffic, population
    ("Köln Deutz Bahnhof", "Köln", "50679", "Ottoplatz 1", "50.940800", "6.974100", "permit", 24000, 12000),
    ("Neuss Hafenbecken", "Neuss", "41460", "Hafenstraße 20", "51.204000", "6.700400", "survey", 9000, 6000),
    ("Bonn Rheinaue", "Bonn", "53175", "Ludwig-Erhard-Allee 2", "50.711000", "7.146000", "grid", 12000, 8000),
)


@transaction.atomic
def load_pipeline() -> dict[str, int]:
    operator = Organisation.objects.get(name=OPERATOR)
    created = 0
    today = timezone.now().date()
    for name, city, postal_code, address, latitude, longitude, stage, traffic, population in CANDIDATES:
        if CandidateSite.objects.filter(name=name).exists():
            continue
        candidate = candidate_services.candidate_create(
            name=name,
            operator=operator,
            address=address,
            city=city,
            postal_code=postal_code,
            country="DE",
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
            time_zone="Europe/Berlin",
            landlord_name=f"{city} Immobilien GmbH",
            lease_years=10,
            lease_rent_per_year=Decimal("6000"),
            grid_capacity_kw=Decimal("300"),
            grid_connection_cost=Decimal("45000"),
            planned_connectors=4,
            planned_power_kw=Decimal("150"),
            daily_traffic=traffic,
            population=population,
            stage_plan={s: {"due_on": today + timedelta(days=14 * (i - 1))} for i, s in enumerate(STAGE_ORDER)},
        )
        for done in STAGE_ORDER[: STAGE_ORDER.index(stage)]:
            candidate = candidate_services.stage_complete(
                candidate=candidate, stage=done, user=None, now=timezone.now()
            )
        created += 1
    for site in Site.objects.filter(operator=operator).select_related("operator"):
        currency = "GBP" if site.country == "GB" else "EUR"
        if not EnergyPrice.objects.filter(site=site).exists():
            EnergyPrice.objects.create(
                site=site, valid_from=date(2025, 1, 1), price_per_kwh=Decimal("0.24"), currency=currency
            )
            EnergyPrice.objects.create(
                site=site,
                valid_from=date(2025, 1, 1),
                price_per_kwh=Decimal("0.16"),
                currency=currency,
                local_start=time(22),
                local_end=time(6),
            )
    for station in ChargingStation.objects.filter(site__operator=operator, asset_events__isnull=True):
        AssetEvent.objects.create(
            station=station,
            kind=AssetEvent.Kind.INSTALLED,
            occurred_on=station.commissioned_on or date(2025, 1, 1),
            capex=CAPEX_BY_MODEL.get(station.model, Decimal("5000")),
            currency="GBP" if station.site and station.site.country == "GB" else "EUR",
            description=f"{station.vendor} {station.model}",
        )
    return {"candidates_created": created}
