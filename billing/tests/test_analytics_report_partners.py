"""Partner CPOs that subscribe to the monthly analytics report sign in and read it, each
scoped to the stations it operates: a partner cannot see another subscriber's report,
and the rest of the owner portal stays closed to it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import AnalyticsSubscription
from drivers.tests.factories import UserFactory
from stations.models import ChargingSession, OrganisationMember
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, OrganisationFactory, SiteFactory

pytestmark = pytest.mark.django_db
PASSWORD = "partner-login-2026"
MAY_10 = datetime(2026, 5, 10, 9, tzinfo=UTC)


def partner_cpo(name, *energies_wh):
    """A roaming partner's organisation (an operator, not an owner) running one station
    that charged `energies_wh` in May, and a login of its member."""
    partner = OrganisationFactory(name=name, is_owner=False, is_operator=True, is_emsp=False)
    station = ChargingStationFactory(
        site=SiteFactory(operator=partner), owner=OrganisationFactory(name=f"{name} landlord")
    )
    for index, energy_wh in enumerate(energies_wh):
        ChargingSessionFactory(
            station=station,
            started_at=MAY_10 + timedelta(hours=index),
            stopped_at=MAY_10 + timedelta(hours=index, minutes=40),
            status=ChargingSession.Status.COMPLETED,
            energy_wh=energy_wh,
        )
    user = UserFactory(username=f"ops@{name.lower().replace(' ', '-')}.example")
    user.set_password(PASSWORD)
    user.save()
    OrganisationMember.objects.create(organisation=partner, user=user)
    return partner, user


def subscribe(subscriber, seller):
    AnalyticsSubscription.objects.create(
        subscriber=subscriber, seller=seller, monthly_fee=Decimal("35.00"), currency="EUR", valid_from=date(2026, 1, 1)
    )


def sign_in(client, user, next_url):
    return client.post(
        f"{reverse('login')}?next={next_url}", {"username": user.username, "password": PASSWORD}, follow=True
    )


@pytest.fixture
def partners():
    seller = OrganisationFactory(name="Our network")
    north, north_user = partner_cpo("North Charge", 12_000)
    south, south_user = partner_cpo("South Volt", 5_000, 7_000)
    subscribe(north, seller)
    subscribe(south, seller)
    return {"north": (north, north_user), "south": (south, south_user)}


def test_partner_cpo_signs_in_and_reads_only_its_own_report(client, partners):
    (north, north_user), (south, _south_user) = partners["north"], partners["south"]

    page = sign_in(client, north_user, "/owner/analytics-report/%3Fmonth%3D2026-05")

    assert page.status_code == 200 and page.redirect_chain[-1][0] == "/owner/analytics-report/?month=2026-05"
    html = page.content.decode()
    assert f'id="analytics-report-{north.pk}"' in html and north.name in html
    assert f"analytics-report-{south.pk}" not in html and south.name not in html
    # Its own sessions beside the network's (both partners' 24 kWh in 3 sessions).
    assert '<th>Sessions</th><td class="num">1</td><td class="num">3</td>' in html
    assert '<td class="num">12.0</td><td class="num">24.0</td>' in html


def test_each_subscriber_sees_its_own_figures(client, partners):
    (north, _north_user), (south, south_user) = partners["north"], partners["south"]
    client.force_login(south_user)

    html = client.get("/owner/analytics-report/?month=2026-05").content.decode()

    assert f'id="analytics-report-{south.pk}"' in html and north.name not in html
    assert '<th>Sessions</th><td class="num">2</td><td class="num">3</td>' in html


def test_a_partner_without_a_subscription_and_other_owner_pages_are_refused(client, partners):
    _partner, stranger = partner_cpo("Unsubscribed CPO", 3_000)
    client.force_login(stranger)
    assert client.get("/owner/analytics-report/?month=2026-05").status_code == 403

    client.force_login(partners["north"][1])
    for path in ("/owner/", "/owner/sessions/", "/owner/statements/"):
        assert client.get(path).status_code == 403


def test_a_partner_lands_on_its_report_after_signing_in(client, partners):
    page = client.post(reverse("login"), {"username": partners["north"][1].username, "password": PASSWORD})
    assert page.status_code == 302 and page["Location"] == "/owner/analytics-report/"
