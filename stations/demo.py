"""A realistic demo network: who owns and runs what, where, with which hardware.

Deterministic and idempotent: every record is found by its natural key first, so
loading twice creates nothing new."""

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from django.db import transaction

from stations.models import (
    ChargingStation,
    Connector,
    LoadNode,
    LoadWindow,
    OpeningHours,
    OperatingAgreement,
    Organisation,
    Site,
    SiteLoadPolicy,
)
from stations.services import registry as services

DEMO_CHARGER_PASSWORD = "demo-charger-secret-16+"

AC = Connector.PowerType.AC_3_PHASE
AC1 = Connector.PowerType.AC_1_PHASE
DC = Connector.PowerType.DC
T2, CCS2, CHADEMO = Connector.Standard.TYPE_2, Connector.Standard.CCS2, Connector.Standard.CHADEMO

# (standard, power type, kW) per connector; each hardware model is a real-world class of charger.
HARDWARE = {
    "wallbox-7": ("Alpitronic", "AC Wallbox 7", [(T2, AC1, "7.4")]),
    "ac-22-duo": ("Keba", "KeContact P30 x", [(T2, AC, "22"), (T2, AC, "22")]),
    "dc-50": ("ABB", "Terra 54", [(CCS2, DC, "50"), (CHADEMO, DC, "50"), (T2, AC, "22")]),
    "dc-150": ("Kempower", "S-Series 150", [(CCS2, DC, "150"), (CCS2, DC, "150")]),
    "hpc-350": ("Alpitronic", "HYC400", [(CCS2, DC, "350"), (CCS2, DC, "350"), (CCS2, DC, "150"), (CHADEMO, DC, "50")]),
}


@dataclass(frozen=True)
class DemoSite:
    name: str
    city: str
    postal_code: str
    address: str
    country: str
    latitude: str
    longitude: str
    time_zone: str
    owner: str
    hardware: tuple[str, ...]
    open_24_7: bool = True


OPERATOR = "VoltWay Mobility GmbH"
OWNERS = ("Stadtwerke Rheinland AG", "Harbour Retail Parks Ltd")

SITES = (
    DemoSite(
        "Alexanderplatz Garage",
        "Berlin",
        "10178",
        "Alexanderstraße 9",
        "DE",
        "52.521918",
        "13.413215",
        "Europe/Berlin",
        OWNERS[0],
        ("dc-150", "ac-22-duo", "ac-22-duo"),
    ),
    DemoSite(
        "Köln Messe P21",
        "Köln",
        "50679",
        "Messeplatz 1",
        "DE",
        "50.946985",
        "6.983166",
        "Europe/Berlin",
        OWNERS[0],
        ("hpc-350", "hpc-350", "dc-50"),
    ),
    DemoSite(
        "Düsseldorf Rheinufer",
        "Düsseldorf",
        "40213",
        "Mannesmannufer 1",
        "DE",
        "51.223018",
        "6.768540",
        "Europe/Berlin",
        OWNERS[0],
        ("ac-22-duo", "ac-22-duo", "wallbox-7"),
    ),
    DemoSite(
        "Frankfurt Westhafen",
        "Frankfurt am Main",
        "60327",
        "Speicherstraße 4",
        "DE",
        "50.103850",
        "8.665500",
        "Europe/Berlin",
        OWNERS[0],
        ("dc-50", "dc-150", "ac-22-duo"),
    ),
    DemoSite(
        "München Olympiapark",
        "München",
        "80809",
        "Spiridon-Louis-Ring 21",
        "DE",
        "48.173220",
        "11.546510",
        "Europe/Berlin",
        OWNERS[0],
        ("hpc-350", "ac-22-duo", "ac-22-duo"),
        open_24_7=False,
    ),
    DemoSite(
        "London Canary Wharf",
        "London",
        "E14 5AB",
        "1 Canada Square",
        "GB",
        "51.504817",
        "-0.019522",
        "Europe/London",
        OWNERS[1],
        ("dc-150", "ac-22-duo", "wallbox-7"),
    ),
    DemoSite(
        "Manchester Trafford",
        "Manchester",
        "M17 8AA",
        "The Trafford Centre",
        "GB",
        "53.466770",
        "-2.347600",
        "Europe/London",
        OWNERS[1],
        ("hpc-350", "dc-50", "ac-22-duo"),
        open_24_7=False,
    ),
    DemoSite(
        "Bristol Cabot Circus",
        "Bristol",
        "BS1 3BX",
        "Glass House",
        "GB",
        "51.458740",
        "-2.584200",
        "Europe/London",
        OWNERS[1],
        ("ac-22-duo", "wallbox-7", "dc-50"),
    ),
    DemoSite(
        "Leeds Kirkstall Retail",
        "Leeds",
        "LS5 3BT",
        "Kirkstall Road",
        "GB",
        "53.808190",
        "-1.598950",
        "Europe/London",
        OWNERS[1],
        ("dc-150", "ac-22-duo", "wallbox-7"),
    ),
    DemoSite(
        "Birmingham Bullring",
        "Birmingham",
        "B5 4BU",
        "Moor Street",
        "GB",
        "52.477360",
        "-1.894310",
        "Europe/London",
        OWNERS[1],
        ("hpc-350", "dc-150", "ac-22-duo"),
    ),
)

DRIVER_FIRST_NAMES = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jonas",
    "Katie",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
)


def site_opening_hours(site: Site) -> None:
    # Mon–Sat 07:00–22:00, Sun 09:00–18:00 (local time) for the sites that are not 24/7.
    for weekday in range(6):
        OpeningHours.objects.get_or_create(site=site, weekday=weekday, opens_at=time(7), closes_at=time(22))
    OpeningHours.objects.get_or_create(site=site, weekday=6, opens_at=time(9), closes_at=time(18))


@transaction.atomic
def load_network() -> dict[str, int]:
    """Create the demo organisations, sites and stations; return how many stations were new."""
    operator = _organisation(
        OPERATOR,
        "DE",
        is_operator=True,
        is_emsp=True,
        is_owner=True,
        vat_number="DE301234567",
        time_zone="Europe/Berlin",
        oncall_emails="oncall@voltway.example",
    )
    agreements = {}
    # The UK owner is settled in pounds: its sites are priced in GBP (billing's country rates).
    for owner_name, country, share, fee, zone, currency in (
        (OWNERS[0], "DE", "30.00", "0", "Europe/Berlin", "EUR"),
        (OWNERS[1], "GB", "20.00", "500.00", "Europe/London", "GBP"),
    ):
        owner = _organisation(owner_name, country, is_owner=True, time_zone=zone, currency=currency)
        agreements[owner_name] = OperatingAgreement.objects.filter(
            owner=owner, operator=operator
        ).first() or services.agreement_create(
            owner=owner,
            operator=operator,
            valid_from=date(2025, 1, 1),
            reference=f"LEASE-{country}-001",
            revenue_share_percent=Decimal(share),
            fixed_monthly_fee=Decimal(fee),
            currency=currency,
        )
    created = 0
    for site_index, demo in enumerate(SITES, start=1):
        site = Site.objects.filter(name=demo.name).first() or services.site_create(
            name=demo.name,
            operator=operator,
            latitude=Decimal(demo.latitude),
            longitude=Decimal(demo.longitude),
            time_zone=demo.time_zone,
            address=demo.address,
            city=demo.city,
            postal_code=demo.postal_code,
            country=demo.country,
            is_open_24_7=demo.open_24_7,
            parking_notes="Free parking while charging.",
        )
        if not demo.open_24_7:
            site_opening_hours(site)
        for station_index, hardware_key in enumerate(demo.hardware, start=1):
            identity = f"VW-{demo.country}-{site_index:02d}-{station_index:02d}"
            if ChargingStation.objects.filter(identity=identity).exists():
                continue
            vendor, model, connectors = HARDWARE[hardware_key]
            agreement = agreements[demo.owner]
            services.station_create(
                identity=identity,
                password=DEMO_CHARGER_PASSWORD,
                site=site,
                owner=agreement.owner,
                agreement=agreement,
                vendor=vendor,
                model=model,
                serial_number=f"SN{site_index:02d}{station_index:02d}{len(connectors)}",
                commissioned_on=date(2025, 3, site_index),
                connectors=[
                    {
                        "connector_id": number,
                        "standard": standard,
                        "power_type": power_type,
                        "max_power_kw": Decimal(kw),
                        "format": Connector.Format.CABLE if power_type == DC else Connector.Format.SOCKET,
                    }
                    for number, (standard, power_type, kw) in enumerate(connectors, start=1)
                ],
            )
            created += 1
    load_management_demo()
    return {"stations_created": created}


def load_management_demo() -> None:
    """The first site shares a 160 kW grid connection (250 kW at night) among its DC charger
    and its wallboxes, which hang on a 32 A garage feeder (docs/smart-charging.md)."""
    site = Site.objects.get(name=SITES[0].name)
    if SiteLoadPolicy.objects.filter(site=site).exists():
        return
    SiteLoadPolicy.objects.create(site=site)
    grid = LoadNode.objects.create(site=site, name="Grid connection", kind=LoadNode.Kind.GRID, max_power_kw=160)
    LoadWindow.objects.create(node=grid, starts_at=time(22), ends_at=time(6), max_power_kw=250)
    feeder = LoadNode.objects.create(
        site=site, parent=grid, name="Garage wallboxes", kind=LoadNode.Kind.FEEDER, max_current_a=32
    )
    for station in site.stations.filter(connectors__power_type=Connector.PowerType.AC_3_PHASE).distinct():
        LoadNode.objects.create(
            site=site, parent=feeder, name=station.identity, kind=LoadNode.Kind.STATION, station=station
        )


def _organisation(name: str, country: str, **fields) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    return existing or services.organisation_create(name=name, country=country, **fields)
