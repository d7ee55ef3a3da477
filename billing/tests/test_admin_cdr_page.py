"""Staff read a CDR in the admin as a receipt and a pricing table, the raw JSON folded away."""

import pytest
from django.urls import reverse

from billing.services.cdrs import session_price
from billing.tests.factories import completed_session, energy_tariff
from billing.tests.test_cdrs import leased_connector

pytestmark = pytest.mark.django_db


def test_staff_read_a_cdr_as_a_receipt_and_its_pricing_not_as_json(client, admin_user):
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    cdr = session_price(session_id=completed_session(connector=connector, energy_wh=20000).pk)
    client.force_login(admin_user)
    page = client.get(reverse("admin:billing_chargedetailrecord_change", args=[cdr.pk])).content.decode()
    assert "How it was priced" in page and "€9.52" in page and "20.00 kWh" in page
    assert "body:not(.show-raw) .field-periods" in page  # the raw JSON is folded away
