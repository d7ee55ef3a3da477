"""Staff doors of load management: the API's site view and posted signal, the admin's
tree validation, and the driver's note."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from config.tests.api_clients import client_for
from drivers.tests.factories import DriverFactory, TokenFactory, UserFactory
from stations.demo import load_network
from stations.load_management import services
from stations.models import LoadNode, SiteLoadPolicy
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid():
    site = SiteFactory()
    SiteLoadPolicy.objects.create(site=site, safety_margin_percent=Decimal("0"))
    return LoadNode.objects.create(site=site, name="Grid", kind="grid", max_current_a=Decimal("20"), signal="api")


def _session(site):
    station = ChargingStationFactory(site=site)
    return ChargingSessionFactory(station=station, connector=ConnectorFactory(station=station))


def test_staff_read_a_sites_limits_shares_and_reasons(staff_client, grid):
    first, second = _session(grid.site), _session(grid.site)
    services.site_rebalance(site_id=grid.site_id, now=datetime.now(UTC))
    body = staff_client.get(f"/api/v1/sites/{grid.site_id}/load/").json()
    assert body["nodes"][0]["max_current_a"] == 20.0
    shares = {share["session"]: (share["limit"], share["unit"], share["reason"]) for share in body["sessions"]}
    reason = f"fair share of {grid.pk}"
    assert shares == {first.pk: ("10.0", "A", reason), second.pk: ("10.0", "A", reason)}
    assert {event["kind"] for event in body["events"]} == {"allocation", "profile_sent"}


def test_a_posted_signal_is_stored_and_bad_input_is_refused_with_nothing_changed(staff_client, grid):
    url = f"/api/v1/load-nodes/{grid.pk}/signal/"
    assert staff_client.post(url, {"l1_a": "5", "l2_a": "0", "l3_a": "1.5"}, format="json").status_code == 202
    grid.refresh_from_db()
    assert (grid.other_load_l1_a, grid.other_load_l3_a) == (Decimal("5.0"), Decimal("1.5"))
    response = staff_client.post(url, {"l1_a": "-1", "l2_a": "0", "l3_a": "0"}, format="json")
    assert response.status_code == 400
    grid.signal = "none"
    grid.save()
    response = staff_client.post(url, {"l1_a": "1", "l2_a": "0", "l3_a": "0"}, format="json")
    assert response.status_code == 400 and "signal" in str(response.json())
    grid.refresh_from_db()
    assert grid.other_load_l1_a == Decimal("5.0")


def test_drivers_and_owners_cannot_read_a_sites_load(grid):
    client = client_for(UserFactory())
    assert client.get(f"/api/v1/sites/{grid.site_id}/load/").status_code == 403


def test_the_admin_refuses_a_node_that_breaks_the_tree(admin_client, grid):
    other_site = SiteFactory()
    response = admin_client.post(
        reverse("admin:stations_loadnode_add"),
        {
            "site": grid.site_id,
            "parent": "",
            "name": "Second grid",
            "kind": "feeder",
            "signal": "none",
            "other_load_l1_a": "0",
            "other_load_l2_a": "0",
            "other_load_l3_a": "0",
            "fallback_load_a": "0",
            "windows-TOTAL_FORMS": "0",
            "windows-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and "Only the grid connection has no parent" in response.content.decode()
    station = ChargingStationFactory(site=other_site)
    with pytest.raises(ValueError, match="another site"):
        services.load_node_validate(node=LoadNode(site=grid.site, parent=grid, kind="station", station=station))


def test_the_driver_is_told_when_the_charge_is_reduced(client, grid):
    driver = DriverFactory(email_verified_at=timezone.now())
    client.force_login(driver.user)
    station = ChargingStationFactory(site=grid.site)
    mine = ChargingSessionFactory(
        station=station, connector=ConnectorFactory(station=station), token=TokenFactory(driver=driver)
    )
    url = reverse("portal-session-status", args=[mine.pk])
    assert client.get(url).json()["load_note"] == ""
    _session(grid.site)
    services.site_rebalance(site_id=grid.site_id, now=datetime.now(UTC))
    assert client.get(url).json()["load_note"] == (
        "Reduced to 10.0 A by site load management (shared grid connection)."
    )
    assert "by site load management" in client.get(reverse("portal-session", args=[mine.pk])).content.decode()


def test_the_ops_page_shows_shares_reasons_and_the_chart_series(admin_client, client, grid):
    session = _session(grid.site)
    services.site_rebalance(site_id=grid.site_id, now=datetime.now(UTC))
    page = admin_client.get(reverse("ops:load-site", args=[grid.site_id])).content.decode()
    assert f"{session.station.identity}#1" in page and f"fair share of {grid.pk}" in page
    assert "Session limit sent" in page and "20.0 A" in page
    series = admin_client.get(reverse("ops:load-site-json", args=[grid.site_id])).json()["series"]
    assert series[-1]["capacity_a"] == [20.0, 20.0, 20.0] and series[-1]["allocated_a"] == [20.0, 20.0, 20.0]
    assert grid.site.name in admin_client.get(reverse("ops:load-sites")).content.decode()
    assert client.get(reverse("ops:load-site", args=[grid.site_id])).status_code == 302


def test_the_demo_has_a_site_under_load_management_whose_limits_hold_together():
    load_network()
    policy = SiteLoadPolicy.objects.get()
    nodes = LoadNode.objects.filter(site=policy.site)
    assert nodes.filter(kind="grid", max_power_kw=160).exists() and nodes.filter(kind="station").count() == 2
    for node in nodes:
        services.load_node_validate(node=node)
    load_network()  # twice: nothing new
    assert LoadNode.objects.count() == nodes.count()
    assert services.fail_safe_send(site_id=policy.site_id, now=datetime.now(UTC))


@pytest.mark.django_db
def test_a_site_without_load_management_answers_404_in_the_apis_error_shape(staff_client):
    site = SiteFactory()

    response = staff_client.get(f"/api/v1/sites/{site.pk}/load/")

    assert response.status_code == 404
    assert response.json()["type"] == "not_found"
    assert response.json()["detail"] == "This site has no load management policy."
