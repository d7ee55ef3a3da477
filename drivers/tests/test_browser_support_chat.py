"""The live support chat in two real browsers (Debian's Chromium through Playwright) against
a real uvicorn over the Redis channel layer: a driver opens a chat, the agent sees it
arrive in the inbox, each sees the other typing and every message as it is sent."""

import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from drivers.models import SupportTicket, TicketMessage
from drivers.tests import browser
from drivers.tests.factories import DRIVER_PASSWORD, DriverFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker, tmp_path_factory):
    from config import live_servers

    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    browser.require_chromium()
    browser.collect_static(live_servers.server_env())
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(port=port, log_path=tmp_path_factory.mktemp("chat-asgi") / "uvicorn.log")
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


def test_driver_and_agent_chat_live(web, monkeypatch, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = browser.SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    driver = DriverFactory(email_verified_at=timezone.now())
    get_user_model().objects.create_superuser("agent", "agent@example.com", DRIVER_PASSWORD)

    with sync_playwright() as pw:
        chromium = browser.launch(pw)
        agent = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
        agent.set_default_timeout(browser.WAIT_MS)
        agent.goto(f"{web}/admin/login/?next=/support/desk/")
        agent.get_by_label("Username").fill("agent")
        agent.get_by_label("Password").fill(DRIVER_PASSWORD)
        agent.get_by_role("button", name="Log in").click()
        agent.wait_for_function("document.documentElement.dataset.inbox === 'connected'")

        page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(browser.WAIT_MS)
        page.goto(f"{web}/account/login/?next=/support/")
        page.get_by_label("E-mail").fill(driver.user.email)
        page.get_by_label("Password").fill(DRIVER_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Subject").fill("Charger will not start")
        page.get_by_label("Your message").fill("VW-DE-01-01 says 'not authorised'.")
        page.get_by_role("button", name="Send", exact=True).click()
        page.wait_for_function("document.documentElement.dataset.chat === 'connected'")
        # The inbox page is open, so the driver is told an agent is online.
        expect(page.locator("#chat-status")).to_contain_text("An agent is online")

        # The new chat appears in the agent's inbox without a reload.
        agent.get_by_role("link", name="Charger will not start").click()
        agent.wait_for_function("document.documentElement.dataset.chat === 'connected'")

        page.get_by_label("Your reply").press_sequentially("Still")
        expect(agent.get_by_text("The driver is typing…")).to_be_visible()
        agent.get_by_role("button", name="I have restarted the charger").click()
        agent.get_by_role("button", name="Send", exact=True).click()
        expect(page.locator("#thread")).to_contain_text("I have restarted the charger remotely")

        page.get_by_label("Your reply").fill("It works now, thank you!")
        page.get_by_role("button", name="Send", exact=True).click()
        expect(agent.locator("#thread")).to_contain_text("It works now, thank you!")
        page.screenshot(path=str(shots / "chat-driver.png"), full_page=True)
        agent.screenshot(path=str(shots / "chat-agent.png"), full_page=True)
        chromium.close()

    ticket = SupportTicket.objects.get()
    assert list(TicketMessage.objects.filter(ticket=ticket).values_list("from_staff", flat=True)) == [
        False,
        True,
        False,
    ]
    assert ticket.status == SupportTicket.Status.OPEN
