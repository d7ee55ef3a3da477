"""Partner CPOs' Locations in our drivers' station search (registered into
`drivers.selectors.stations` at start-up): each published Location of a registered partner
that matches the search, with the same meanings as ours (text, radius, connector standard,
power, available, open now), its availability from the EVSEs' OCPI status, and the price its
tariff gives plus our markup (OCPI_ROAMING_MARKUP_PERCENT), VAT included."""

import math
import operator
from datetime import datetime, time
from decimal import Decimal
from functools import reduce
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext

from billing.price_words import energy_rate_now_words, tariff_in_words
from billing.pricing import ENERGY, TariffError
from billing.services.tariffs import ocpi_tariff_spec
from drivers.selectors.stations import Availability, ForeignSiteResult
from roaming.fields import datetime_parse
from roaming.models import Partner, PartnerLocation, PartnerTariff
from roaming.selectors.partner_cdrs import partner_markup
from stations.models import Connector
from stations.selectors.locations import (
    DEFAULT_RADIUS_KM,
    EARTH_RADIUS_KM,
    KM_PER_DEGREE_LATITUDE,
    MAX_RADIUS_KM,
    MAX_SEARCH_WORDS,
    LocationQuery,
)

# OCPI EVSE status → the portal's colours; PLANNED and REMOVED EVSEs are not shown at all.
EVSE_AVAILABILITY = {
    "AVAILABLE": Availability.AVAILABLE,
    "CHARGING": Availability.BUSY,
    "BLOCKED": Availability.BUSY,
    "RESERVED": Availability.BUSY,
    "INOPERATIVE": Availability.OUT_OF_ORDER,
    "OUTOFORDER": Availability.OUT_OF_ORDER,
    "UNKNOWN": Availability.OFFLINE,
}
# Our connector standards are OCPI's names but for NACS (see roaming/selectors/locations.py).
STANDARD_FROM_OCPI = {"TESLA_S": Connector.Standard.NACS}


def partner_site_results(*, query: LocationQuery, at: datetime, limit: int) -> list[ForeignSiteResult]:
    rows = PartnerLocation.objects.filter(publish=True, partner__status=Partner.Status.REGISTERED)
    for word in query.text.split()[:MAX_SEARCH_WORDS]:
        rows = rows.filter(
            Q(data__name__icontains=word)
            | Q(data__address__icontains=word)
            | Q(data__city__icontains=word)
            | Q(data__postal_code=word)
        )
    radius = None
    if query.near is not None:
        radius = min(float(query.radius_km or DEFAULT_RADIUS_KM), MAX_RADIUS_KM)
        delta = Decimal(str(round(radius / KM_PER_DEGREE_LATITUDE, 6)))
        latitude = Decimal(str(query.near[0]))
        rows = rows.filter(latitude__gte=latitude - delta, latitude__lte=latitude + delta)
    found = []
    for row in rows.select_related("partner").order_by("pk"):
        result = _result(row, query=query, at=at)
        if result is None:
            continue
        if radius is not None:
            result.distance_km = _distance_km(query.near, (float(row.latitude), float(row.longitude)))
            if result.distance_km > radius:
                continue
        found.append((row, result))
    if radius is not None:
        found.sort(key=lambda pair: pair[1].distance_km)
    found = found[:limit]
    tariffs = _tariffs_named(rows=[row for row, _ in found])
    for row, result in found:
        result.price = _price_words(row, tariffs, at=at)
    return [result for _, result in found]


def partner_site_detail(
    *, country_code: str, party_id: str, location_id: str, at: datetime
) -> ForeignSiteResult | None:
    """One published Location of a registered partner as its portal page shows it: the
    search's result with each EVSE's availability and connectors, or None."""
    row = (
        PartnerLocation.objects.filter(publish=True, partner__status=Partner.Status.REGISTERED)
        .select_related("partner")
        .filter(country_code=country_code.upper(), party_id=party_id.upper(), location_id=location_id)
        .first()
    )
    result = row and _result(row, query=LocationQuery(), at=at)
    if not result:
        return None
    result.price = _price_words(row, _tariffs_named(rows=[row]), at=at)
    result.evses = [
        {
            "uid": evse["uid"],
            "evse_id": evse.get("evse_id") or evse["uid"],
            "availability": EVSE_AVAILABILITY[evse["status"]],
            "connectors": [
                {
                    "standard": _standard_label(c.get("standard", "")),
                    "power_kw": _power_kw(c),
                    "power_type": c.get("power_type"),
                }
                for c in evse.get("connectors") or []
            ],
        }
        for evse in row.data.get("evses") or []
        if evse.get("status") in EVSE_AVAILABILITY
    ]
    return result


def _result(row: PartnerLocation, *, query: LocationQuery, at: datetime) -> ForeignSiteResult | None:
    location = row.data
    evses = [evse for evse in location.get("evses") or [] if evse.get("status") in EVSE_AVAILABILITY]
    if not evses or not any(_evse_matches(evse, query) for evse in evses):
        return None
    is_open = _is_open(location, at)
    if query.open_now and not is_open:
        return None
    states = [EVSE_AVAILABILITY[evse["status"]] for evse in evses]
    connectors = [connector for evse in evses for connector in evse.get("connectors") or []]
    availability = next(
        (state for state in (Availability.AVAILABLE, Availability.BUSY) if state in states),
        Availability.OFFLINE if all(s == Availability.OFFLINE for s in states) else Availability.OUT_OF_ORDER,
    )
    return ForeignSiteResult(
        key=f"{row.country_code}-{row.party_id}-{row.location_id}",
        url=reverse("portal-partner-site", args=[row.country_code, row.party_id, row.location_id]),
        name=location.get("name") or location["address"],
        address=location["address"],
        postal_code=location.get("postal_code") or "",
        city=location["city"],
        latitude=row.latitude,
        longitude=row.longitude,
        network=row.partner.name,
        availability=availability,
        is_open=is_open,
        max_power_kw=max((_power_kw(c) for c in connectors), default=Decimal(0)),
        standards=sorted({_standard_label(c.get("standard", "")) for c in connectors}),
        available_count=states.count(Availability.AVAILABLE),
        connector_count=len(evses),
    )


def _evse_matches(evse: dict, query: LocationQuery) -> bool:
    if query.available and evse["status"] != "AVAILABLE":
        return False
    for connector in evse.get("connectors") or []:
        standard = STANDARD_FROM_OCPI.get(connector.get("standard"), connector.get("standard"))
        if query.connector_standard and standard != query.connector_standard:
            continue
        if query.min_power_kw is not None and _power_kw(connector) < query.min_power_kw:
            continue
        return True
    return False


def _power_kw(connector: dict) -> Decimal:
    """max_electric_power when given, else volts × amps × phases, as the spec says."""
    watts = connector.get("max_electric_power")
    if watts is None:
        phases = 3 if connector.get("power_type") == "AC_3_PHASE" else 1
        watts = (connector.get("max_voltage") or 0) * (connector.get("max_amperage") or 0) * phases
    return (Decimal(watts) / 1000).quantize(Decimal("0.01"))


def _standard_label(standard: str) -> str:
    value = STANDARD_FROM_OCPI.get(standard, standard)
    return Connector.Standard(value).label if value in Connector.Standard.values else standard


def _is_open(location: dict, at: datetime) -> bool:
    """OCPI opening_times: absent or twentyfourseven is always open; regular_hours are read
    in the Location's time zone (weekday 1 is Monday; an end before the begin runs past
    midnight)."""
    hours = location.get("opening_times")
    if not hours or hours.get("twentyfourseven"):
        return True
    try:
        local = at.astimezone(ZoneInfo(location.get("time_zone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        local = at
    now, today = local.time().replace(second=0, microsecond=0), local.isoweekday()
    yesterday = 7 if today == 1 else today - 1
    for period in hours.get("regular_hours") or []:
        try:
            begins, ends = time.fromisoformat(period["period_begin"]), time.fromisoformat(period["period_end"])
        except (KeyError, TypeError, ValueError):
            continue
        overnight = ends <= begins
        if period.get("weekday") == today and begins <= now and (overnight or now < ends):
            return True
        if overnight and period.get("weekday") == yesterday and now < ends:
            return True
    return False


def _tariff_ids(location: dict) -> list[str]:
    return [
        tariff_id
        for evse in location.get("evses") or []
        for connector in evse.get("connectors") or []
        for tariff_id in connector.get("tariff_ids") or []
    ]


def _tariffs_named(*, rows: list[PartnerLocation]) -> dict[tuple[str, str, str], PartnerTariff]:
    """The tariffs the found Locations' connectors name, in one query."""
    wanted = [
        Q(country_code=row.country_code, party_id=row.party_id, tariff_id__in=_tariff_ids(row.data))
        for row in rows
        if _tariff_ids(row.data)
    ]
    if not wanted:
        return {}
    return {
        (t.country_code, t.party_id, t.tariff_id): t for t in PartnerTariff.objects.filter(reduce(operator.or_, wanted))
    }


def _in_force(tariff: PartnerTariff, at: datetime) -> bool:
    starts, ends = tariff.data.get("start_date_time"), tariff.data.get("end_date_time")
    return (not starts or datetime_parse(starts) <= at) and (not ends or at < datetime_parse(ends))


def _price_words(row: PartnerLocation, tariffs: dict, *, at: datetime) -> str | None:
    """The first tariff in force that a connector names, as our driver pays it: the whole
    tariff (every element with its restrictions, min and max price) read by our pricing
    engine with the partner agreement's markup, in the words our own sites use, VAT
    included; with several energy rates, the one a session started now pays first. None
    without a tariff, or with one our engine cannot apply as written."""
    keys = [(row.country_code, row.party_id, tariff_id) for tariff_id in _tariff_ids(row.data)]
    tariff = next((tariffs[key] for key in keys if key in tariffs and _in_force(tariffs[key], at)), None)
    if tariff is None:
        return None
    try:
        spec = ocpi_tariff_spec(data=tariff.data, markup_percent=partner_markup(row.partner))
    except TariffError:
        return None
    words = tariff_in_words(spec=spec)
    try:
        local_now = at.astimezone(ZoneInfo(row.data.get("time_zone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        local_now = at
    rate_now = energy_rate_now_words(spec=spec, local_now=local_now)
    energy_rates = [c for e in spec.elements for c in e.components if c.dimension == ENERGY]
    if rate_now is not None and len(energy_rates) > 1:
        return gettext("Now %(rate)s · %(all)s") % {"rate": rate_now, "all": words}
    return words


def _distance_km(origin: tuple[float, float], point: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = (math.radians(float(value)) for value in (*origin, *point))
    half_chord = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(half_chord))
