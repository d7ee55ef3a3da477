"""A driver's whole journey in a real browser (Debian's Chromium through Playwright)
against a real uvicorn, a real Celery worker and a real `ocpp` charger on a socket:
sign up → verify the e-mail → find a station with a filter → start charging → watch the
live page update → stop → see the session and its cost → report a breakdown."""

import os
import re
import time
from decimal import Decimal

import pytest
from django.conf import settings

from billing.tests.factories import energy_tariff
from drivers.models import BreakdownReport, Driver
from drivers.tests import browser
from stations.models import ChargingSession, Connector
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

EMAIL = "ada@example.com"
PASSWORD = "analytical-engine-1843"


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def portal_server(django_db_setup, django_db_blocker, tmp_path_factory, mail_dir):
    """The asgi_server set-up, plus e-mails written to files the test can read."""
    from config import live_servers

    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    browser.require_chromium()
    browser.collect_static(live_servers.server_env())
    port = live_servers.free_port()
    log_path = tmp_path_factory.mktemp("portal-asgi") / "uvicorn.log"
    process = live_servers.start_uvicorn(
        port=port, log_path=log_path, extra_env={"EMAIL_URL": f"filemail:///{mail_dir}"}
    )
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


@pytest.fixture
def network():
    """A fast CCS site with a tariff (the one to find) and a slow AC site (filtered out)."""
    fast = ConnectorFactory(
        station=ChargingStationFactory(
            identity="CP-FAST-01",
            site=SiteFactory(
                name="Hafen Schnellladepark",
                city="Hamburg",
                address="Am Kai 3",
                postal_code="20457",
                latitude=Decimal("53.541400"),
                longitude=Decimal("9.984300"),
            ),
        ),
        standard=Connector.Standard.CCS2,
        power_type=Connector.PowerType.DC,
        max_power_kw=Decimal("150"),
    )
    ConnectorFactory(
        station=ChargingStationFactory(
            identity="CP-SLOW-01",
            site=SiteFactory(
                name="Rathaus Wallbox", city="Hamburg", latitude=Decimal("53.550341"), longitude=Decimal("9.992727")
            ),
        ),
        standard=Connector.Standard.TYPE_2,
        max_power_kw=Decimal("11"),
    )
    energy_tariff(site=fast.station.site, price="0.50", vat="19")
    return fast


@pytest.fixture
def shot(tmp_path):
    """Save a full-page screenshot: to docs/screenshots/ with UPDATE_SCREENSHOTS=1 (the
    README shows those), else to the test's temporary directory."""
    directory = browser.SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    directory.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(directory / f"{name}.png"), full_page=True)

    return take


def _verification_link(mail_dir) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        match = re.search(r"http://\S+/account/verify/\S+/", browser.read_mails(mail_dir))
        if match:
            return match.group(0)
        time.sleep(0.2)
    raise AssertionError("no verification e-mail arrived")


def test_driver_signs_up_finds_charges_pays_and_reports(
    portal_server, celery_worker_process, network, mail_dir, monkeypatch, shot
):
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM reads in between
    # are plain blocking calls from the test, which is what this switch allows.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    base = portal_server
    with browser.ChargerThread(base_url=base, identity=network.station.identity), sync_playwright() as pw:
        chromium = browser.launch(pw)
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        browser.block_map_tiles(context)
        page = context.new_page()
        page.set_default_timeout(browser.WAIT_MS)
        expect.set_options(timeout=browser.WAIT_MS)

        # Sign up, then follow the link from the e-mail.
        page.goto(f"{base}/account/signup/")
        shot(page, "signup")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("First name").fill("Ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_text("Please confirm your e-mail address")).to_be_visible()
        page.goto(_verification_link(mail_dir))
        expect(page.get_by_text("your e-mail address is confirmed")).to_be_visible()
        assert Driver.objects.get(user__email=EMAIL).email_verified_at is not None

        # Find the fast station with filters; the slow one is filtered out.
        page.get_by_label("Connector").select_option(Connector.Standard.CCS2)
        page.get_by_label("Minimum power").select_option("50")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name="1 site found")).to_be_visible()
        expect(page.get_by_role("link", name="Rathaus Wallbox")).to_have_count(0)
        expect(page.locator(".leaflet-interactive")).to_have_count(1)  # one marker on the map
        shot(page, "search")
        page.get_by_role("link", name="Hafen Schnellladepark").click()
        expect(page.get_by_text("€0.60/kWh")).to_be_visible()  # 0.50 + 19 % VAT, in plain words
        shot(page, "station")

        # A second tab keeps the station page open: its connector status is pushed to it.
        watcher = context.new_page()
        watcher.goto(page.url)
        watcher.wait_for_function("document.documentElement.dataset.live === 'connected'")
        connector_status = watcher.locator(f'[data-connector="{network.connector_id}"] .live-status')
        expect(connector_status).to_have_text("Available")

        # Start charging: RemoteStart through the outbox, the charger starts a transaction.
        page.get_by_role("button", name=re.compile("Start charging on connector 1")).click()
        page.wait_for_url(re.compile(r"/charging/\d+/$"))
        session = ChargingSession.objects.get(token_link__token__driver__user__email=EMAIL)
        expect(page.locator("#session-state")).to_have_text("Charging")
        page.wait_for_function("document.documentElement.dataset.live === 'connected'")
        # MeterValues arrive every half second; the page changes without a reload.
        page.evaluate("window.__sameDocument = true")
        page.wait_for_function("parseFloat(document.getElementById('session-energy').textContent) >= 1.2")
        expect(page.locator("#session-power")).to_have_text("11.0")
        expect(page.locator("#session-cost")).to_contain_text("€")
        assert page.evaluate("window.__sameDocument") is True
        expect(connector_status).to_have_text("Busy")
        shot(page, "session-live")

        # Stop: RemoteStop, the charger stops the transaction, the page shows it ended.
        page.get_by_role("button", name="Stop charging").click()
        expect(page.locator("#session-state")).to_have_text("Finished")
        session.refresh_from_db()
        assert session.status == ChargingSession.Status.COMPLETED and session.energy_wh >= 1200

        # History: the session with its priced cost (the worker prices it from the CDR).
        page.goto(f"{base}/charging/")
        cost = page.locator("#session-history tbody tr").first.locator(".cost")
        deadline = time.monotonic() + 20
        while "€" not in cost.inner_text() and time.monotonic() < deadline:
            time.sleep(0.5)
            page.reload()
        expected = (Decimal(session.energy_wh) / 1000 * Decimal("0.595")).quantize(Decimal("0.01"))
        expect(cost).to_have_text(f"€{expected}")
        shot(page, "history")

        # Report a breakdown on the charger just used.
        page.goto(f"{base}/charging/{session.pk}/")
        shot(page, "session-receipt")
        page.get_by_role("link", name="Report a problem with this charger").click()
        page.get_by_label("What happened?").select_option("damaged")
        page.get_by_label("Tell us more").fill("The CCS cable's latch is broken.")
        shot(page, "report")
        page.get_by_role("button", name="Send report").click()
        expect(page.get_by_text("A technician has been sent")).to_be_visible()
        report = BreakdownReport.objects.get(station=network.station)
        assert report.driver.user.email == EMAIL and report.work_order is not None

        # The same pages on a phone.
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        browser.block_map_tiles(phone)
        mobile = phone.new_page()
        mobile.goto(f"{base}/?q=Hamburg")
        expect(mobile.get_by_role("heading", name="2 sites found")).to_be_visible()
        shot(mobile, "search-mobile")
        chromium.close()
