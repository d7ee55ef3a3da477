"""A candidate site goes through every stage to live in a real browser (Chromium through
Playwright) against a real uvicorn, with a real `ocpp` charger that boots Pending, is
accepted by staff, boots again and runs its first test session over a socket."""

import asyncio
import re
import threading

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from drivers.tests import browser
from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import connected, now_iso
from stations.models import CandidateSite, ChargingSession, PipelineStage
from stations.selectors import locations
from stations.tests.factories import STATION_PASSWORD, OrganisationFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

IDENTITY = "CP-POTSDAM-01"
TEST_TAG = "COMMISSION-01"


@pytest.fixture(scope="module")
def ops_server(django_db_setup, django_db_blocker, tmp_path_factory):
    from config import live_servers

    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    browser.require_chromium()
    browser.collect_static(live_servers.server_env())
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(port=port, log_path=tmp_path_factory.mktemp("ops-asgi") / "uvicorn.log")
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


class CommissioningCharger:
    """The installed charger on its own thread: boots (Pending), waits for staff to
    accept it, boots again (Accepted) and charges 2 kWh as the commissioning test."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.pending, self.accepted, self.tested = threading.Event(), threading.Event(), threading.Event()
        self.statuses: list[str] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="commissioning-charger", daemon=True)

    def _run(self):
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to the test thread
            self.error = error
            self.pending.set()
            self.tested.set()

    async def _main(self):
        from ocpp.v16 import call

        async with connected(self.base_url, IDENTITY) as charger:
            self.statuses.append((await charger.boot()).status)
            self.pending.set()
            while not self.accepted.is_set():
                await asyncio.sleep(0.2)
            self.statuses.append((await charger.boot()).status)
            await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            started = await charger.call(
                call.StartTransaction(connector_id=1, id_tag=TEST_TAG, meter_start=1000, timestamp=now_iso())
            )
            await charger.call(
                call.StopTransaction(
                    meter_stop=3000, timestamp=now_iso(), transaction_id=started.transaction_id, reason="Local"
                )
            )
            self.tested.set()


def test_a_candidate_site_goes_from_survey_to_live(ops_server, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = ops_server
    operator = OrganisationFactory(name="Potsdam Charging")
    get_user_model().objects.create_user("planner", "planner@example.com", "pipeline-pass-1", is_staff=True)
    TokenFactory(uid=TEST_TAG)
    charger = CommissioningCharger(base)

    with sync_playwright() as pw:
        chromium = browser.launch(pw)
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        browser.block_map_tiles(context)
        page = context.new_page()
        page.set_default_timeout(browser.WAIT_MS)
        expect.set_options(timeout=browser.WAIT_MS)

        page.goto(f"{base}/admin/login/?next=/ops/pipeline/")
        page.get_by_label("Username").fill("planner")
        page.get_by_label("Password").fill("pipeline-pass-1")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/ops/pipeline/")

        # A new candidate through the form; it appears on the map.
        form = page.locator("#candidate-form")
        form.locator("#id_name").fill("Marktplatz Potsdam")
        form.locator("#id_operator").select_option(str(operator.pk))
        form.locator("#id_address").fill("Am Alten Markt 1")
        form.locator("#id_city").fill("Potsdam")
        form.locator("#id_postal_code").fill("14467")
        form.locator("#id_country").fill("DE")
        form.locator("#id_latitude").fill("52.395000")
        form.locator("#id_longitude").fill("13.060000")
        form.locator("#id_time_zone").fill("Europe/Berlin")
        form.locator("#id_landlord_name").fill("Stadt Potsdam")
        form.locator("#id_grid_capacity_kw").fill("150")
        form.locator("#id_daily_traffic").fill("15000")
        form.get_by_role("button", name="Add candidate").click()
        page.wait_for_url(re.compile(r"/ops/pipeline/\d+/$"))
        candidate = CandidateSite.objects.get(name="Marktplatz Potsdam")
        expect(page.locator("#demand")).to_contain_text("15.00 sessions per day expected")
        page.goto(f"{base}/ops/pipeline/")
        expect(page.locator("#pipeline-map .leaflet-interactive")).to_have_count(1)
        page.get_by_role("link", name="Marktplatz Potsdam").click()

        # Plan the survey, then complete the stages up to commissioning.
        survey = page.locator('tr[data-stage="survey"]')
        survey.locator("select").select_option(label="planner")
        survey.locator('input[type="date"]').fill("2026-12-01")
        survey.get_by_role("button", name="Plan").click()
        expect(page.get_by_role("status")).to_have_text("Stage planned.")
        assert PipelineStage.objects.get(candidate=candidate, stage="survey").owner.username == "planner"
        for label in ("Survey", "Landlord agreement", "Permit", "Grid connection"):
            page.get_by_role("button", name=f"Complete {label}").click()
            expect(page.get_by_role("status")).to_have_text("Stage completed.")
        expect(page.locator("#candidate-stage")).to_have_text("Installation")

        # Register the installed station; it connects and boots Pending.
        register = page.locator("#register-form")
        register.get_by_label("Identity").fill(IDENTITY)
        register.get_by_label("Password").fill(STATION_PASSWORD)
        register.get_by_label("Connectors").fill("1")
        register.get_by_role("button", name="Register station").click()
        expect(page.get_by_role("status")).to_contain_text("Station registered")
        page.get_by_role("button", name="Complete Installation").click()
        expect(page.locator("#candidate-stage")).to_have_text("Commissioning")
        charger.thread.start()
        assert charger.pending.wait(20) and charger.error is None, charger.error
        assert charger.statuses == ["Pending"]

        # Publishing before the test session is refused, and so is completing.
        page.reload()
        page.get_by_role("button", name="Publish site").click()
        expect(page.get_by_role("status")).to_contain_text("Not ready to publish")

        # Accept; the charger boots again, Accepted, and runs its test session.
        page.get_by_role("button", name=f"Accept {IDENTITY}").click()
        expect(page.get_by_role("status")).to_have_text("Station accepted.")
        charger.accepted.set()
        assert charger.tested.wait(30) and charger.error is None, charger.error
        assert charger.statuses == ["Pending", "Accepted"]
        session = ChargingSession.objects.get(station__identity=IDENTITY)
        assert (session.status, session.energy_wh) == (ChargingSession.Status.COMPLETED, 2000)

        page.reload()
        for item in ("registered", "accepted", "test_session"):
            expect(page.locator(f'#checklist [data-item="{item}"]')).to_contain_text("✔")
        page.get_by_role("button", name="Publish site").click()
        expect(page.get_by_role("status")).to_have_text("Site published.")
        page.get_by_role("button", name="Complete Commissioning").click()
        expect(page.locator("#candidate-stage")).to_have_text("Live")

    charger.thread.join(10)
    candidate.refresh_from_db()
    assert (candidate.stage, candidate.outcome) == ("live", "live")
    assert locations.location_detail(site_id=candidate.site_id) is not None
