"""The demo's partner network: a registered partner CPO whose Locations and Tariffs we hold as
if pulled over OCPI, so that `make run`'s portal shows its stations in the map and search
beside ours (network name, availability, its price plus our markup) without a second live
server. It has no endpoints and no token: nothing calls it and it calls nothing; starting or
reserving there is refused as at any network that takes no commands."""

from decimal import Decimal

from roaming.models import Partner, PartnerRole
from roaming.services.partner_locations import location_put
from roaming.services.partner_tariffs import tariff_put

NAME = "VoltNet"
COUNTRY_CODE, PARTY_ID = "NL", "VLT"
# Fixed, so that loading again stores the very objects it holds (an older one changes nothing).
STAMP = "2026-01-01T00:00:00Z"
TARIFFS = {
    "VLT-AC": [{"type": "ENERGY", "price": 0.42, "vat": 19.0, "step_size": 1}],
    "VLT-DC": [
        {"type": "ENERGY", "price": 0.55, "vat": 19.0, "step_size": 1},
        {"type": "FLAT", "price": 0.50, "vat": 19.0, "step_size": 1},
    ],
}
# name, address, city, postal code, latitude, longitude, EVSEs as (power kind, status).
LOCATIONS = (
    ("VLT-BER-HBF", "VoltNet Berlin Hauptbahnhof", "Europaplatz 1", "Berlin", "10557", "52.525084", "13.369402",
     (("DC", "AVAILABLE"), ("DC", "CHARGING"), ("AC", "AVAILABLE"))),
    ("VLT-BER-OST", "VoltNet Ostkreuz", "Sonntagstraße 1", "Berlin", "10245", "52.503083", "13.469168",
     (("AC", "AVAILABLE"), ("AC", "OUTOFORDER"))),
    ("VLT-CGN-DEUTZ", "VoltNet Köln Deutz", "Ottoplatz 1", "Köln", "50679", "50.940621", "6.975600",
     (("DC", "CHARGING"), ("AC", "AVAILABLE"))),
)  # fmt: skip
CONNECTORS = {
    "AC": {"standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 400,
           "max_amperage": 32, "max_electric_power": 22000, "tariff_ids": ["VLT-AC"]},
    "DC": {"standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC", "max_voltage": 920,
           "max_amperage": 500, "max_electric_power": 300000, "tariff_ids": ["VLT-DC"]},
}  # fmt: skip


def _location(location_id, name, address, city, postal_code, latitude, longitude, evses) -> dict:
    return {
        "country_code": COUNTRY_CODE,
        "party_id": PARTY_ID,
        "id": location_id,
        "publish": True,
        "name": name,
        "address": address,
        "city": city,
        "postal_code": postal_code,
        "country": "DEU",
        "coordinates": {"latitude": latitude, "longitude": longitude},
        "time_zone": "Europe/Berlin",
        "opening_times": {"twentyfourseven": True},
        "evses": [
            {
                "uid": f"{location_id}-{number}",
                "evse_id": f"NL*VLT*E{location_id.split('-', 1)[1].replace('-', '')}*{number}",
                "status": status,
                "connectors": [{"id": "1", **CONNECTORS[kind], "last_updated": STAMP}],
                "last_updated": STAMP,
            }
            for number, (kind, status) in enumerate(evses, start=1)
        ],
        "last_updated": STAMP,
    }


def _tariff(tariff_id: str, components: list[dict]) -> dict:
    return {
        "country_code": COUNTRY_CODE,
        "party_id": PARTY_ID,
        "id": tariff_id,
        "currency": "EUR",
        "type": "REGULAR",
        "elements": [{"price_components": components}],
        "last_updated": STAMP,
    }


def load_partner_network() -> dict[str, int]:
    """Create (once) the demo partner CPO and store its Tariffs and Locations through the same
    services as a partner's pushes, which check every object. Safe to run again."""
    partner, created = Partner.objects.get_or_create(
        name=NAME,
        defaults={
            "status": Partner.Status.REGISTERED,
            "version": "2.2.1",
            "commission_percent": Decimal("5.00"),
            "markup_percent": Decimal("10.00"),
        },
    )
    PartnerRole.objects.get_or_create(
        partner=partner,
        role=PartnerRole.Role.CPO,
        country_code=COUNTRY_CODE,
        party_id=PARTY_ID,
        defaults={"business_name": NAME},
    )
    for tariff_id, components in TARIFFS.items():
        tariff_put(
            partner=partner,
            country_code=COUNTRY_CODE,
            party_id=PARTY_ID,
            tariff_id=tariff_id,
            data=_tariff(tariff_id, components),
        )
    locations_created = sum(
        location_put(
            partner=partner,
            country_code=COUNTRY_CODE,
            party_id=PARTY_ID,
            location_id=location[0],
            data=_location(*location),
        )
        for location in LOCATIONS
    )
    return {"partners_created": int(created), "partner_locations_created": locations_created}
