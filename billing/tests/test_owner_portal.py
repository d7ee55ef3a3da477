"""The owner portal: an owner's login lands there, sees its own stations, sessions, revenue
share and statements (PDF/CSV), and nothing of another owner's; drivers are turned away."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.services.cdrs import session_price
from billing.services.settlements import statements_generate
from billing.tests.factories import completed_session, energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests.factories import DRIVER_PASSWORD, DriverFactory, UserFactory
from stations.models import OrganisationMember
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned():
    """A leased connector with one priced session today, and an owner login."""
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    started = timezone.now() - timedelta(hours=3)
    session = completed_session(connector=connector, started_at=started, energy_wh=20000)
    session_price(session_id=session.pk)
    login = UserFactory()
    OrganisationMember.objects.create(organisation=connector.station.owner, user=login)
    return connector, login


def test_owner_login_lands_on_the_owner_portal(client, owned):
    _, login = owned
    response = client.post(reverse("login"), {"username": login.username, "password": DRIVER_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("owner:home")


def test_owner_sees_own_stations_with_revenue_and_share_and_not_others(client, owned):
    connector, login = owned
    stranger = ConnectorFactory(station=ChargingStationFactory(owner=OrganisationFactory(name="Other Owner")))
    client.force_login(login)
    page = client.get(reverse("owner:home")).content.decode()
    assert connector.station.identity in page and stranger.station.identity not in page
    assert 'id="kpi-sessions">1<' in page
    # 20 kWh at €0.40 net: €8.00 revenue, the owner's 25 % is €2.00.
    assert "€8.00" in page and 'id="kpi-share">€2.00<' in page
    assert "Operator GmbH" in page and "25 %" in page

    sessions = client.get(reverse("owner:sessions")).content.decode()
    assert connector.station.identity in sessions and "€9.52" in sessions and "€2.00" in sessions


def test_owner_downloads_own_statement_from_the_statements_page(client, owned):
    _, login = owned
    month = timezone.now().date().replace(day=1)
    statements_generate(period_start=month, now=timezone.now() + timedelta(days=32))
    client.force_login(login)
    page = client.get(reverse("owner:statements")).content.decode()
    assert "Owner AG" in page and "Operator GmbH" not in page
    pdf_url = page[page.index("/billing/statements/") :].split('"')[0]
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_drivers_are_turned_away_and_strangers_sent_to_log_in(client):
    response = client.get(reverse("owner:home"))
    assert response.status_code == 302 and reverse("login") in response.url
    client.force_login(DriverFactory().user)
    assert client.get(reverse("owner:home")).status_code == 403
    assert client.get(reverse("owner:statements")).status_code == 403
