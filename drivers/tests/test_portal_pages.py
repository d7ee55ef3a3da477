"""What every portal page shows: availability that tells offline from faulted and offers
only what can work, the verification banner, the login's label, the favicon."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from drivers.tests.factories import DriverFactory
from stations.models import ChargePointStatus
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _connector(*, connected: bool, status=ChargePointStatus.AVAILABLE, site=None):
    station = ChargingStationFactory(site=site or SiteFactory(), is_connected=connected, is_online=connected)
    return ConnectorFactory(station=station, status=status, max_power_kw=Decimal("22"))


def _connector_html(page: str, connector) -> str:
    marker = f'data-station="{connector.station.pk}" data-connector="{connector.connector_id}"'
    start = page.index(marker)
    return page[start : page.index("</li>", start)]


def test_offline_charger_is_labelled_offline_and_offers_neither_start_nor_reserve(client):
    offline = _connector(connected=False)
    faulted = _connector(connected=True, status=ChargePointStatus.FAULTED, site=offline.station.site)
    free = _connector(connected=True, site=offline.station.site)
    page = client.get(reverse("portal-site", args=[offline.station.site.pk])).content.decode()

    offline_html = _connector_html(page, offline)
    assert "pill offline" in offline_html and "Offline" in offline_html
    assert 'data-needs="start" disabled' in offline_html
    assert 'aria-disabled="true"' in offline_html
    assert "not connected" in offline_html

    faulted_html = _connector_html(page, faulted)
    assert "pill out_of_order" in faulted_html and 'data-needs="start" disabled' in faulted_html

    free_html = _connector_html(page, free)
    assert "pill available" in free_html and "disabled" not in free_html


def test_unverified_banner_holds_its_form_in_a_div_not_a_paragraph(client):
    driver = DriverFactory(email_verified_at=None)
    client.force_login(driver.user)
    page = client.get(reverse("portal-home")).content.decode()
    banner = page[page.index('class="banner"') - 5 : page.index("Send it again")]
    assert banner.startswith("<div ") and "<p" not in banner

    verified = DriverFactory(email_verified_at=timezone.now())
    client.force_login(verified.user)
    assert "Send it again" not in client.get(reverse("portal-home")).content.decode()


def test_login_asks_for_the_e_mail_and_the_pages_carry_a_favicon(client):
    page = client.get(reverse("login")).content.decode()
    assert ">E-mail:</label>" in page and "Username" not in page
    assert 'rel="icon"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.svg")
