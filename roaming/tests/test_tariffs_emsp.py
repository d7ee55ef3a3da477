"""Tariffs as EMSP (Receiver): a partner CPO's Tariffs pushed to us, fed with what our own
CPO side sends."""

import json

import pytest

from billing.tests.factories import energy_tariff
from roaming.credentials_token import header_encode
from roaming.models import PartnerTariff
from roaming.selectors.tariffs import ocpi_tariffs, tariff_object
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cpo_partner():
    return registered_partner(token="cpo", role="CPO", country_code="DE", party_id="EVC")


def send(client, method, tariff_id, body=None):
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(
        f"/ocpi/emsp/2.2.1/tariffs/DE/EVC/{tariff_id}",
        data=data,
        content_type="application/json",
        HTTP_AUTHORIZATION=header_encode("cpo"),
    )


def test_tariff_put_read_back_and_delete(client):
    connector = public_connector()
    tariff = energy_tariff(site=connector.station.site)
    body = tariff_object(ocpi_tariffs().get(pk=tariff.pk))
    valid("tariff", body)
    assert send(client, "put", tariff.pk, body).status_code == 201
    assert (
        send(client, "put", tariff.pk, {**body, "currency": "CHF", "last_updated": "2000-01-01T00:00:00Z"}).status_code
        == 200
    )
    assert PartnerTariff.objects.get().currency == "EUR"  # the older push changed nothing
    assert valid("tariff", send(client, "get", tariff.pk).json()["data"]).id == str(tariff.pk)
    assert send(client, "delete", tariff.pk).json()["status_code"] == 1000
    assert send(client, "delete", tariff.pk).status_code == 404


def test_bad_tariffs_are_refused(client):
    connector = public_connector()
    tariff = energy_tariff(site=connector.station.site)
    body = tariff_object(ocpi_tariffs().get(pk=tariff.pk))
    assert send(client, "put", tariff.pk, {**body, "elements": []}).json()["status_code"] == 2001
    assert send(client, "put", tariff.pk, {**body, "id": "other"}).json()["status_code"] == 2001
    broken = {**body, "elements": [{"price_components": [{"type": "SPEED", "price": 1, "step_size": 1}]}]}
    assert send(client, "put", tariff.pk, broken).json()["status_code"] == 2001
    assert not PartnerTariff.objects.exists()
