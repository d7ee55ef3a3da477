"""EU AFIR (Regulation (EU) 2023/1804) checks on what we publish, per public site:

- Art. 20(1)-(2), static data for the national access point: location (address and
  coordinates), opening hours, each connector's type and power, the operator;
- Art. 20(2), dynamic data: every station's operational status is known;
- Art. 5(1) and 5(3)-(4), ad hoc price: a public price exists, and at recharging points of
  50 kW or more it is based on a price per kWh (an ENERGY component).

Prices are billing's: they are read through the locations registry (site_tariffs_register,
the same the locations API shows), so stations never imports billing."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Prefetch

from stations.api.locations import site_tariffs
from stations.models import ChargePointStatus, ChargingStation, Site
from stations.operations.regulatory import formulas
from stations.selectors.locations import public_stations


@dataclass(frozen=True)
class Check:
    key: str
    passed: bool
    detail: str = ""


def afir_site_checks(*, at: datetime) -> list[dict]:
    """One row per published site with public stations: its checks and whether all pass."""
    stations = public_stations().annotate(max_kw=Max("connectors__max_power_kw")).prefetch_related("connectors")
    sites = list(
        Site.objects.filter(pk__in=stations.values("site_id"))
        .select_related("operator")
        .prefetch_related("opening_hours", Prefetch("stations", queryset=stations, to_attr="public"))
        .order_by("name")
    )
    tariffs = site_tariffs(site_ids=[site.pk for site in sites], at=at)
    rows = []
    for site in sites:
        checks = [*_static_checks(site), _status_check(site.public), *_price_checks(site, tariffs.get(site.pk))]
        rows.append({"site_id": site.pk, "site": site.name, "checks": checks, "passed": all(c.passed for c in checks)})
    return rows


def _static_checks(site: Site) -> list[Check]:
    missing = [name for name in ("address", "city", "postal_code", "country") if not getattr(site, name)]
    connectors = [connector for station in site.public for connector in station.connectors.all()]
    return [
        Check("location", not missing, f"missing {', '.join(missing)}" if missing else ""),
        Check(
            "opening_hours",
            site.is_open_24_7 or bool(site.opening_hours.all()),
            "" if site.is_open_24_7 or site.opening_hours.all() else "not 24/7 and no opening hours",
        ),
        Check(
            "connectors",
            bool(connectors) and all(c.standard and c.max_power_kw for c in connectors),
            "" if connectors else "no connector",
        ),
        Check("operator", bool(site.operator and site.operator.name)),
    ]


def _status_check(stations: list[ChargingStation]) -> Check:
    unknown = [station.identity for station in stations if station.status == ChargePointStatus.UNKNOWN]
    return Check("dynamic_status", not unknown, f"status unknown: {', '.join(unknown)}" if unknown else "")


def _price_checks(site: Site, tariff: dict | None) -> list[Check]:
    if not tariff:
        return [Check("ad_hoc_price", False, "no public tariff"), Check("price_per_kwh_at_50kw", False, "no tariff")]
    rapid = any(formulas.afir_needs_price_per_kwh(station.max_kw or 0) for station in site.public)
    has_energy = any(
        component.get("type") == "ENERGY"
        for element in tariff.get("elements", [])
        for component in element.get("price_components", [])
    )
    return [
        Check("ad_hoc_price", True),
        Check(
            "price_per_kwh_at_50kw",
            has_energy or not rapid,
            "" if has_energy or not rapid else "50 kW or more without a price per kWh",
        ),
    ]
