"""Owners and staff in a real browser (Debian's Chromium through Playwright) against a real
uvicorn: the owner logs in with the README's kind of login and lands on the owner portal,
sees its station, its share and downloads its statement; staff find one of 120 stations on
the ops dashboard (problems first, search, pages), confirm a reset before it is queued,
and open the admin station page with its named commands."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from billing.services.cdrs import session_price
from billing.services.settlements import statements_generate
from billing.tests.factories import completed_session, energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests import browser
from stations.models import CommandRequest, OrganisationMember
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "owner-and-staff-2026"


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker, tmp_path_factory):
    from config import live_servers

    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    browser.require_chromium()
    browser.collect_static(live_servers.server_env())
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(port=port, log_path=tmp_path_factory.mktemp("owner-asgi") / "uvicorn.log")
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


@pytest.fixture
def shot(tmp_path):
    directory = browser.SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    return lambda page, name: page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in between
    # are plain blocking calls from the test, which is what this switch allows.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        instance = browser.launch(pw)
        yield instance
        instance.close()


def _login(page, base: str, url: str, username: str) -> None:
    page.goto(f"{base}{url}")
    page.get_by_label("E-mail" if url.startswith("/account") else "Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_owner_logs_in_sees_its_stations_and_downloads_its_statement(web, chromium, shot):
    from playwright.sync_api import expect

    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    session = completed_session(connector=connector, started_at=timezone.now() - timedelta(hours=2), energy_wh=20000)
    session_price(session_id=session.pk)
    statements_generate(period_start=timezone.now().date().replace(day=1), now=timezone.now() + timedelta(days=32))
    owner = get_user_model().objects.create_user(username="owner@example.org", email="owner@example.org")
    owner.set_password(PASSWORD)
    owner.save()
    OrganisationMember.objects.create(organisation=connector.station.owner, user=owner)

    page = chromium.new_context(viewport={"width": 1366, "height": 800}, accept_downloads=True).new_page()
    page.set_default_timeout(browser.WAIT_MS)
    _login(page, web, "/account/login/", "owner@example.org")
    page.wait_for_url(f"{web}/owner/")
    expect(page.locator("#owner-stations")).to_contain_text(connector.station.identity)
    expect(page.locator("#kpi-share")).to_have_text("€2.00")
    shot(page, "owner-portal")

    page.get_by_role("link", name="Statements").click()
    with page.expect_download() as download:
        page.locator("#owner-statements").get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"


def test_staff_find_a_problem_station_confirm_a_reset_and_open_its_page(web, chromium, shot):
    from playwright.sync_api import expect

    site = SiteFactory(name="Depot Nord")
    for number in range(120):
        ConnectorFactory(
            station=ChargingStationFactory(
                identity=f"DEPOT-{number:03d}", site=site, is_online=True, is_connected=True
            ),
            status="Available",
        )
    broken = ChargingStationFactory(identity="DEPOT-BROKEN", site=site, is_online=False)
    ConnectorFactory(station=broken, status="Faulted")
    staff = get_user_model().objects.create_superuser(username="staff", email="staff@example.org", password=PASSWORD)
    assert staff.is_staff

    page = chromium.new_context(viewport={"width": 1366, "height": 800}).new_page()
    page.set_default_timeout(browser.WAIT_MS)
    _login(page, web, "/admin/login/?next=/ops/", "staff")
    page.wait_for_url(f"{web}/ops/")
    # Problems first: only the offline station is listed until staff ask for all.
    rows = page.locator("#stations tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DEPOT-BROKEN")
    page.get_by_label("Show").select_option("all")
    expect(rows).to_have_count(50)
    expect(page.locator("#page-label")).to_have_text("1 / 3")
    page.get_by_label("Search").fill("DEPOT-07")
    expect(rows).to_have_count(10)
    shot(page, "ops-dashboard")

    row = page.locator("#stations tr", has_text="DEPOT-075")
    row.get_by_role("combobox").select_option(label="Reset")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Send").click()
    assert not CommandRequest.objects.exists()  # dismissed: nothing queued
    row.get_by_role("combobox").select_option(label="Reset")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Send").click()
    expect(page.locator("#commands li").first).to_contain_text("DEPOT-075")
    reset = CommandRequest.objects.get()
    assert (reset.action, reset.station.identity) == ("reset", "DEPOT-075")

    row.get_by_role("link", name="DEPOT-075").click()
    expect(page.get_by_role("heading", name="Connectors now")).to_be_visible()
    expect(page.locator("#commands")).to_contain_text("Reset")
    page.get_by_role("button", name="Reboot (hard reset)…").click()
    expect(page.get_by_role("heading", name="Reboot (hard reset): DEPOT-075?")).to_be_visible()
    page.get_by_role("button", name="Yes, send it").click()
    expect(page.get_by_text("Queued “Reboot (hard reset)”")).to_be_visible()
    assert CommandRequest.objects.filter(parameters={"type": "hard"}).count() == 1
    shot(page, "admin-station")
