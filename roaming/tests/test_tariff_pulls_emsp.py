"""Tariffs as EMSP, pulled: our Receiver pulls a partner CPO's Tariffs Sender page by page
(a second live instance of this project, serving pages of 2) and again only what changed;
malformed tariffs and other parties' are skipped (a loopback stand-in sends those)."""

import pytest

from billing.tests.factories import energy_tariff
from roaming.models import Partner, PartnerRole, PartnerTariff
from roaming.services.partner_tariff_pulls import tariffs_pull
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid

ENVELOPE = {"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"}


def cpo_partner(url: str, *, token: str = "emsp-pulls") -> Partner:
    cpo = Partner.objects.create(
        name="A CPO network",
        status=Partner.Status.REGISTERED,
        outbound_token=token,
        endpoints=[{"identifier": "tariffs", "role": "SENDER", "url": url}],
    )
    PartnerRole.objects.create(partner=cpo, role="CPO", country_code="DE", party_id="EVC")
    return cpo


@pytest.mark.django_db(transaction=True)
def test_pull_follows_pages_of_a_live_cpo_and_is_idempotent(ocpi_server, settings):
    settings.OCPI_PUBLIC_URL = ocpi_server
    tariffs = [energy_tariff(site=public_connector().station.site, price=price) for price in ("0.30", "0.40", "0.50")]
    # The server sees the puller as an EMSP partner; the puller sees the server as a CPO.
    registered_partner(token="emsp-pulls", role="EMSP", country_code="DE", party_id="EVC")
    cpo = cpo_partner(f"{ocpi_server}/ocpi/cpo/2.2.1/tariffs")
    assert tariffs_pull(partner=cpo) == 3  # pages of 2: the Link header was followed
    held = PartnerTariff.objects.filter(partner=cpo).order_by("tariff_id")
    assert sorted(held.values_list("tariff_id", flat=True)) == sorted(str(t.pk) for t in tariffs)
    for tariff in held:
        valid("tariff", tariff.data)
    cpo.refresh_from_db()
    assert cpo.tariffs_pulled_at is not None
    before = list(held.values_list("tariff_id", "last_updated", "data"))
    # Asked again from the last pull (date_from is whole seconds and inclusive, so tariffs of
    # that same second come again): the same objects, nothing duplicated or changed.
    tariffs_pull(partner=cpo)
    assert list(held.values_list("tariff_id", "last_updated", "data")) == before


@pytest.mark.django_db
def test_pull_skips_malformed_and_other_parties_tariffs_and_asks_from_the_last_pull(partner_api):
    good = {
        "country_code": "DE",
        "party_id": "EVC",
        "id": "T1",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
        "last_updated": "2030-01-01T00:00:00Z",
    }
    page = [good, {**good, "id": "T2", "currency": "EURO"}, {**good, "id": "T3", "party_id": "XYZ"}, "junk"]
    partner_api.answers["/ocpi/cpo/2.2.1/tariffs"] = (200, {**ENVELOPE, "data": page})
    cpo = cpo_partner(f"{partner_api.url}/ocpi/cpo/2.2.1/tariffs")
    assert tariffs_pull(partner=cpo) == 1
    assert list(PartnerTariff.objects.values_list("tariff_id", flat=True)) == ["T1"]
    assert "date_from" not in partner_api.requests[-1]["path"]
    older = {**good, "currency": "CHF", "last_updated": "2029-01-01T00:00:00Z"}
    partner_api.answers["/ocpi/cpo/2.2.1/tariffs"] = (200, {**ENVELOPE, "data": [older]})
    cpo.refresh_from_db()
    assert tariffs_pull(partner=cpo) == 1
    assert PartnerTariff.objects.get().currency == "EUR"  # an older Tariff changes nothing
    assert "date_from=" in partner_api.requests[-1]["path"]
