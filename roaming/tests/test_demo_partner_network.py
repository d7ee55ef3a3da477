"""`make run`'s partner network: the demo load registers a partner CPO whose Locations and
Tariffs (stored as if pulled over OCPI, through the Receiver's services) appear in the
portal's search with the partner's price plus our markup; loading again changes nothing."""

import pytest

from roaming.demo import LOCATIONS, NAME, load_partner_network
from roaming.models import Partner, PartnerLocation, PartnerTariff
from roaming.tests.reference import valid

pytestmark = pytest.mark.django_db


def test_the_demo_partner_network_is_loaded_once_and_its_objects_are_valid_ocpi():
    assert load_partner_network() == {"partners_created": 1, "partner_locations_created": len(LOCATIONS)}
    rows = {row.location_id: row.data for row in PartnerLocation.objects.all()}
    tariffs = [row.data for row in PartnerTariff.objects.all()]

    assert load_partner_network() == {"partners_created": 0, "partner_locations_created": 0}

    partner = Partner.objects.get()
    assert (partner.name, partner.status) == (NAME, Partner.Status.REGISTERED)
    assert {row.location_id: row.data for row in PartnerLocation.objects.all()} == rows
    assert [row.data for row in PartnerTariff.objects.all()] == tariffs
    valid("location", list(rows.values()))
    valid("tariff", tariffs)


def test_the_portal_search_shows_the_partner_stations_with_its_price_plus_our_markup(client):
    load_partner_network()

    html = client.get("/", {"q": "berlin"}).content.decode()

    card = html[html.index('data-partner-site="NL-VLT-VLT-BER-HBF"') :].split("</li>")[0]
    assert "VoltNet Berlin Hauptbahnhof" in card and "Network: VoltNet" in card
    # The first connector's tariff, VLT-DC: 0.55 × 1.10 (the partner's 10 % markup) × 1.19 VAT = 0.72;
    # 0.50 per charge → 0.65.
    assert "€0.72/kWh + €0.65 per session" in card
    assert "VoltNet Ostkreuz" in html and "VoltNet Köln Deutz" not in html
    page = client.get("/partner-sites/NL/VLT/VLT-BER-OST/").content.decode()
    assert "€0.55/kWh" in page  # VLT-AC: 0.42 × 1.10 × 1.19
