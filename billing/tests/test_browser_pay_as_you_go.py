"""Pay as you go in a real browser (Debian's Chromium through Playwright) against a real
uvicorn, a real Celery worker and a simulated `ocpp` charger on a socket: the EVSE's QR
address → the price page → a declined card (told, nothing started) → a good card (held at
Stripe's HTTP API, stood in on loopback) → the charger starts → the page follows the
session live → stop → the CDR is priced and captured → the receipt on the page and by
e-mail. Stripe.js is served from its own address by a stand-in (stripe_js_stand_in.js)."""

import os
import re
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from billing.models import AdHocCharge, Payment
from billing.qr_codes import evse_pay_path
from billing.selectors.cdrs import cdr_in_force
from billing.tests.factories import energy_tariff
from billing.tests.stripe_stub import StripeStub
from drivers.tests import browser
from stations.models import ChargingSession, CommandRequest, Connector
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

STRIPE_JS = Path(__file__).with_name("stripe_js_stand_in.js")
STAFF, PASSWORD = "ops@example.com", "print-the-stickers-2026"


class PlausibleCharger(browser.ChargingCharger):
    """72 kW on a 150 kW connector: a session whose CDR is final at once (the default
    step is too fast to be true, and such a CDR waits for staff before it is captured)."""

    step_wh = 10


@pytest.fixture(scope="module")
def stripe_api():
    stub = StripeStub().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("payg-mail")


@pytest.fixture(scope="module")
def pay_server(django_db_setup, django_db_blocker, tmp_path_factory, stripe_api, mail_dir):
    """uvicorn and a Celery worker of their own queue, both talking to the Stripe stand-in
    (the worker captures the hold when it prices the session)."""
    from config import live_servers

    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    browser.require_chromium()
    queue = f"payg-{uuid.uuid4().hex[:8]}"
    env = {
        "STRIPE_API_BASE": stripe_api.url,
        "STRIPE_API_KEY": "sk_test_stub",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_stub",
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "CELERY_QUEUE": queue,
        # Its own cache keys: the pay form's attempts per address start at zero.
        "CACHE_KEY_PREFIX": queue,
    }
    browser.collect_static(live_servers.server_env())
    logs = tmp_path_factory.mktemp("payg-servers")
    port = live_servers.free_port()
    web = live_servers.start_uvicorn(port=port, log_path=logs / "uvicorn.log", extra_env=env)
    worker = live_servers.start_celery_worker(log_path=logs / "worker.log", extra_env=env, queue=queue)
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(worker)
        live_servers.stop(web)


@pytest.fixture
def evse():
    connector = ConnectorFactory(
        station=ChargingStationFactory(
            identity="PAYG-HAFEN-01",
            site=SiteFactory(name="Hafen Schnellladepark", city="Hamburg", address="Am Kai 3", postal_code="20457"),
        ),
        standard=Connector.Standard.CCS2,
        power_type=Connector.PowerType.DC,
        max_power_kw=Decimal("150"),
    )
    energy_tariff(site=connector.station.site, price="0.50", vat="19", flat="1.00")
    get_user_model().objects.create_superuser(STAFF, STAFF, PASSWORD)
    return connector


@pytest.fixture
def shot(tmp_path):
    directory = browser.SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    return lambda page, name: page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def _mail_with(mail_dir, text: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        mails = browser.read_mails(mail_dir)
        if text in mails:
            return mails
        time.sleep(0.3)
    raise AssertionError(f"no e-mail with {text!r} arrived")


def test_a_driver_without_an_account_scans_pays_charges_stops_and_gets_the_receipt(
    pay_server, stripe_api, evse, mail_dir, monkeypatch, shot
):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = pay_server
    charger = browser.ChargerThread(base_url=base, identity=evse.station.identity, charger_class=PlausibleCharger)
    with charger, sync_playwright() as pw:
        chromium = browser.launch(pw)
        context = chromium.new_context(viewport={"width": 414, "height": 896}, is_mobile=True, has_touch=True)
        context.route(
            "https://js.stripe.com/v3/",
            lambda route: route.fulfill(status=200, content_type="text/javascript", body=STRIPE_JS.read_text()),
        )
        expect.set_options(timeout=browser.WAIT_MS)

        # Staff print the EVSE's QR code from the admin; the sticker's address is what a phone opens.
        staff = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
        staff.goto(f"{base}/admin/login/")
        staff.get_by_label("Username").fill(STAFF)
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Log in").click()
        staff.goto(f"{base}/admin/billing/evseqrcode/")
        staff.locator("input.action-select").first.check()
        staff.locator("select[name=action]").select_option("print_qr_codes")
        staff.get_by_role("button", name="Go").click()
        expect(staff.locator(".sticker svg.segno")).to_have_count(1)
        shot(staff, "pay-as-you-go-qr-sheet")
        sticker_url = staff.locator(".sticker .url").inner_text()
        assert sticker_url == base + evse_pay_path(connector=evse)

        # The QR code's address: price incl. VAT before paying, and the EVSE is free.
        page = context.new_page()
        page.set_default_timeout(browser.WAIT_MS)
        page.goto(sticker_url)
        expect(page.get_by_role("heading", name="Pay and charge")).to_be_visible()
        price = page.locator(f"#price-{evse.connector_id}")
        expect(price).to_contain_text("€1.19 per session")  # 1.00 + 19 % VAT
        expect(price).to_contain_text("€0.60/kWh")  # 0.50 + 19 % VAT
        expect(price).to_contain_text("(incl. VAT)")
        expect(page.locator(".live-status")).to_have_text("Available")
        expect(page.get_by_text("We reserve €50.00 on your card")).to_be_visible()

        page.get_by_label("E-mail for the receipt (optional)").fill("walk-in@example.com")
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        shot(page, "pay-as-you-go")

        # A declined card: the processor's words, nothing held, nothing started.
        page.get_by_label("Card number").fill("4000 0000 0000 0002")
        page.get_by_role("button", name="Pay and start charging").click()
        expect(page.get_by_text("Your card was declined.")).to_be_visible()
        assert not CommandRequest.objects.filter(action=CommandRequest.Action.START).exists()
        assert not AdHocCharge.objects.exists()

        # A good card: held, then the charger is asked to start.
        page.get_by_label("E-mail for the receipt (optional)").fill("walk-in@example.com")
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_role("button", name="Pay and start charging").click()
        page.wait_for_url(re.compile(r"/pay/charges/[\w-]+/$"))
        charge = AdHocCharge.objects.get()
        assert charge.payment.status == Payment.Status.REQUIRES_CAPTURE
        [hold] = [r for r in stripe_api.requests if r["form"].get("capture_method") == "manual"][-1:]
        assert hold["form"]["amount"] == "5000" and hold["form"]["payment_method"] == "pm_card_visa"

        # The charger starts with the hold's one-off token; the page follows the session live.
        expect(page.locator("#session-state")).to_have_text("Charging")
        session = ChargingSession.objects.get(id_tag=charge.payment.id_tag)
        page.wait_for_function("document.documentElement.dataset.live === 'connected'")
        page.evaluate("window.__sameDocument = true")
        page.wait_for_function("parseFloat(document.getElementById('session-energy').textContent) >= 0.05")
        expect(page.locator("#session-power")).to_have_text("11.0")  # as the charger reports it
        expect(page.locator("#session-cost")).to_contain_text("€")
        assert page.evaluate("window.__sameDocument") is True  # pushed, not reloaded
        shot(page, "pay-as-you-go-live")

        # Stop from the page: the one stop rule, the charger ends the transaction.
        page.get_by_role("button", name="Stop charging").click()
        expect(page.locator("#session-state")).to_have_text("Finished")

        # The worker prices the session and captures its total; the page shows the receipt.
        expect(page.locator("#cdr-total")).to_be_visible(timeout=40_000)
        session.refresh_from_db()
        cdr = cdr_in_force(session_id=session.pk)
        total = f"€{cdr.total_incl_vat.quantize(Decimal('0.01'))}"
        expect(page.locator("#cdr-total")).to_have_text(total)
        expect(page.locator("#card-captured")).to_have_text(total)
        expect(page.locator("#card-released")).to_have_text(f"€{Decimal('50.00') - cdr.total_incl_vat:.2f}")
        shot(page, "pay-as-you-go-receipt")
        payment = Payment.objects.get(pk=charge.payment_id)
        assert payment.status == Payment.Status.SUCCEEDED and payment.captured_amount == cdr.total_incl_vat
        [capture] = [r for r in stripe_api.requests if r["path"].endswith("/capture")]
        assert capture["form"]["amount_to_capture"] == str(int(cdr.total_incl_vat * 100))
        mails = _mail_with(mail_dir, "walk-in@example.com")
        assert total in mails and charge.payment.id_tag in mails
        chromium.close()
