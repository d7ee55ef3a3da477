"""Money through the API: cdrs/, invoices/ (+PDF), payments/, settlements/, tariffs/,
plans/, memberships/ — each in its caller's scope."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.models import Subscription, Tariff
from billing.services.cdrs import session_price
from billing.services.invoices import invoice_issue
from billing.services.settlements import statement_generate
from billing.tests.factories import MembershipPlanFactory, completed_session, energy_tariff
from stations.tests.factories import ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(driver, owner_organisation):
    station = ChargingStationFactory(owner=owner_organisation, agreement=None)
    connector = ConnectorFactory(station=station)
    energy_tariff(site=station.site, price="0.50")
    session = completed_session(connector=connector, driver=driver, energy_wh=20000)
    return session_price(session_id=session.pk)


def test_driver_reads_own_cdr_with_totals_as_strings_and_currency(driver_client, priced):
    results = driver_client.get("/api/v1/cdrs/").json()["results"]

    assert [cdr["id"] for cdr in results] == [priced.pk]
    assert results[0]["energy_wh"] == 20000
    assert results[0]["currency"] == "EUR"
    assert results[0]["total_excl_vat"] == "10.00"
    assert results[0]["total_incl_vat"] == "11.90"


def test_cdrs_of_others_are_404_and_owners_see_those_at_their_stations(
    other_driver_client, owner_client, priced, staff_client
):
    assert other_driver_client.get(f"/api/v1/cdrs/{priced.pk}/").status_code == 404
    assert other_driver_client.get("/api/v1/cdrs/").json()["results"] == []
    assert [cdr["id"] for cdr in owner_client.get("/api/v1/cdrs/").json()["results"]] == [priced.pk]
    assert staff_client.get(f"/api/v1/cdrs/?session={priced.session_id}").json()["count"] == 1


def test_session_shows_final_cost_from_its_cdr(driver_client, priced):
    cost = driver_client.get(f"/api/v1/sessions/{priced.session_id}/").json()["cost"]

    assert cost == {"amount": "11.90", "currency": "EUR", "final": True}


def test_driver_reads_own_invoice_and_downloads_its_pdf(driver_client, other_driver_client, driver, priced):
    invoice = invoice_issue(
        driver_id=driver.pk,
        issuer=priced.operator,
        currency="EUR",
        period_start=date(2026, 5, 1),
        cdrs=[priced],
        fees=[],
        now=datetime(2026, 6, 1, 3, tzinfo=UTC),
    )

    [listed] = driver_client.get("/api/v1/invoices/").json()["results"]
    pdf = driver_client.get(listed["pdf_url"])

    assert listed["number"] == invoice.number
    assert listed["total_incl_vat"] == "11.90"
    assert listed["lines"][0]["amount_incl_vat"] == "11.90"
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert other_driver_client.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
    assert other_driver_client.get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404


def test_owner_reads_own_settlement_statements_and_drivers_may_not(
    owner_client, driver_client, owner_organisation, priced
):
    [statement] = statement_generate(party=owner_organisation, role="owner", period_start=date(2026, 5, 1))
    statement_generate(party=priced.operator, role="operator", period_start=date(2026, 5, 1))

    listed = owner_client.get("/api/v1/settlements/").json()["results"]

    assert [item["id"] for item in listed] == [statement.pk]
    assert listed[0]["payout_due"] == "0.00"
    assert driver_client.get("/api/v1/settlements/").status_code == 403


def test_anyone_reads_tariffs_and_plans_but_only_staff_create_tariffs(anonymous_client, driver_client, staff_client):
    station = ChargingStationFactory()
    energy_tariff(site=station.site, price="0.45")
    MembershipPlanFactory()
    body = {
        "name": "Night",
        "operator": station.site.operator_id,
        "currency": "EUR",
        "site": station.site_id,
        "valid_from": "2026-01-01T00:00:00Z",
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": "0.30", "vat": "19", "step_size": 1}],
                "restrictions": {"start_time": "22:00", "end_time": "06:00", "day_of_week": ["MONDAY"]},
            }
        ],
    }

    assert anonymous_client.get("/api/v1/tariffs/").json()["count"] == 1
    assert anonymous_client.get("/api/v1/plans/").json()["count"] == 1
    assert driver_client.post("/api/v1/tariffs/", body, format="json").status_code == 403
    created = staff_client.post("/api/v1/tariffs/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["elements"][0]["restrictions"]["start_time"] == "22:00:00"  # billing's OCPI snapshot
    assert Tariff.objects.count() == 2


def test_invalid_tariff_is_a_400_with_field_errors(staff_client):
    station = ChargingStationFactory()
    body = {
        "name": "Broken",
        "operator": station.site.operator_id,
        "currency": "EUR",
        "valid_from": "2026-01-01T00:00:00Z",
        "elements": [{"price_components": [{"type": "ENERGY", "price": "-1"}]}],
    }

    response = staff_client.post("/api/v1/tariffs/", body, format="json")

    assert response.status_code == 400
    assert "elements" in response.json()["errors"]


def test_locations_show_the_public_tariff_in_force(anonymous_client):
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.49")

    [location] = anonymous_client.get("/api/v1/locations/").json()["results"]

    assert Decimal(location["tariff"]["elements"][0]["price_components"][0]["price"]) == Decimal("0.49")


def test_driver_subscribes_then_cancels_and_a_second_membership_is_refused(driver_client, other_driver_client):
    plan = MembershipPlanFactory()

    created = driver_client.post("/api/v1/memberships/", {"plan": plan.pk}, format="json")
    again = driver_client.post("/api/v1/memberships/", {"plan": plan.pk}, format="json")
    cancelled = driver_client.post(f"/api/v1/memberships/{created.json()['id']}/cancel/")

    assert created.status_code == 201, created.json()
    assert again.status_code == 400
    assert cancelled.json()["status"] == Subscription.Status.CANCELLING
    assert other_driver_client.get(f"/api/v1/memberships/{created.json()['id']}/").status_code == 404


def test_payments_are_scoped_to_the_driver(driver_client, staff_client):
    assert driver_client.get("/api/v1/payments/").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert staff_client.get("/api/v1/payments/").status_code == 200


def test_tariff_with_an_unknown_restriction_is_a_400_naming_it_and_flat_step_0_is_accepted(staff_client):
    station = ChargingStationFactory()
    body = {
        "name": "Reserved",
        "operator": station.site.operator_id,
        "currency": "EUR",
        "site": station.site_id,
        "valid_from": "2026-01-01T00:00:00Z",
        "elements": [
            {
                "price_components": [{"type": "TIME", "price": "5.00", "vat": "20", "step_size": 60}],
                "restrictions": {"reservation": "RESERVATION", "min_soc": 20},
            },
            {"price_components": [{"type": "FLAT", "price": "0.00", "step_size": 0}]},
        ],
    }

    refused = staff_client.post("/api/v1/tariffs/", body, format="json")
    alt_text = staff_client.post("/api/v1/tariffs/", {**body, "tariff_alt_text": []}, format="json")

    assert refused.status_code == 400
    assert "min_soc" in str(refused.json()["errors"])
    assert alt_text.status_code == 400 and "tariff_alt_text" in str(alt_text.json()["errors"])
    assert not Tariff.objects.exists()
    del body["elements"][0]["restrictions"]["min_soc"]
    created = staff_client.post("/api/v1/tariffs/", body, format="json")
    assert created.status_code == 201, created.json()
    elements = created.json()["elements"]
    assert elements[0]["restrictions"] == {"reservation": "RESERVATION"}
    assert elements[1]["price_components"][0]["step_size"] == 0
