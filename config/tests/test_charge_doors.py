"""One charge rule, every door: the same bad state sent through the portal, the REST API, the
ops dashboard, the admin's command form and `manage.py ocpp_send` gets the same refusal
code, and nothing is queued. A good state queues exactly one request through each door, so
a door that refused everything could not pass."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.tests.api_clients import client_for
from drivers.models import Driver, Token
from drivers.services.tokens import driver_app_token
from drivers.tests.factories import DriverFactory, TokenFactory, UserFactory
from stations.models import ChargingSession, ChargingStation, CommandRequest, Connector
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


class World:
    """A verified, active driver with an app token, at an Accepted, connected station
    whose connector 1 is Available; staff to work the staff doors."""

    def __init__(self):
        self.driver = DriverFactory(email_verified_at=timezone.now())
        self.token = driver_app_token(driver=self.driver)
        self.connector = ConnectorFactory(station__is_connected=True, status="Available")
        self.station = self.connector.station
        self.staff = UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def world(private_throttle_cache):
    return World()


# --- the bad states -------------------------------------------------------------------------


def unverified_account(world):
    Driver.objects.filter(pk=world.driver.pk).update(email_verified_at=None)


def pending_station(world):
    ChargingStation.objects.filter(pk=world.station.pk).update(registration_status="Pending")


def blocked_token(world):
    Token.objects.filter(pk=world.token.pk).update(status=Token.Status.BLOCKED, blocked_at=timezone.now())


def expired_token(world):
    Token.objects.filter(pk=world.token.pk).update(expires_at=timezone.now() - timedelta(hours=1))


def busy_connector(world):
    Connector.objects.filter(pk=world.connector.pk).update(status="Charging")


def offline_station(world):
    ChargingStation.objects.filter(pk=world.station.pk).update(is_connected=False)


def payment_block(world):
    # Billing's registered block (an overdue account), not drivers' own account rule.
    Driver.objects.filter(pk=world.driver.pk).update(account_status=Driver.AccountStatus.OVERDUE)


def token_in_use(world):
    ChargingSessionFactory(token=world.token, id_tag=world.token.uid)


START_STATES = [
    (unverified_account, "account_unverified"),
    (pending_station, "station_not_accepted"),
    (blocked_token, "token_blocked"),
    (expired_token, "token_expired"),
    (busy_connector, "connector_busy"),
    (offline_station, "station_offline"),
    (payment_block, "payment_blocked"),
    (token_in_use, "token_in_use"),
]


# --- the doors: each starts a charge and answers the refusal code (None: it was queued) ----


def through_portal(world):
    client = Client()
    client.force_login(world.driver.user)
    response = client.post(reverse("portal-charge-start", args=[world.connector.pk]))
    refusals = [message.extra_tags for message in get_messages(response.wsgi_request) if message.level_tag == "error"]
    return refusals[0] if refusals else None


def through_api(world):
    response = client_for(world.driver.user).post(
        "/api/v1/sessions/start/", {"station": world.station.pk, "connector": 1}, format="json"
    )
    if response.status_code == 202:
        return None
    assert response.status_code == 409, response.json()
    return response.json()["code"]


def through_ops_dashboard(world):
    client = Client()
    client.force_login(world.staff)
    response = client.post(
        reverse("ops:station-command", args=[world.station.pk]),
        {"kind": "start", "connector": "1", "id_tag": world.token.uid},
    )
    if response.status_code == 202:
        return None
    assert response.status_code == 409, response.content
    return response.json()["code"]


def through_admin(world):
    client = Client()
    client.force_login(world.staff)
    url = reverse("admin:ocpp_gateway_command_send")
    response = client.post(
        f"{url}?connectors={world.connector.pk}&action=RemoteStartTransaction", {"idTag": world.token.uid}
    )
    if response.status_code == 302:
        return None
    [error] = response.context["form"].non_field_errors()
    return re.search(r"\((\w+)\)$", error).group(1)


def through_ocpp_send(world):
    payload = json.dumps({"connectorId": 1, "idTag": world.token.uid})
    try:
        call_command("ocpp_send", world.station.identity, "RemoteStartTransaction", payload, stdout=_Sink())
    except CommandError as error:  # manage.py exits non-zero with it
        return re.match(r"Refused \((\w+)\)", str(error)).group(1)
    return None


class _Sink:
    def write(self, text):
        pass

    def flush(self):
        pass


START_DOORS = [through_portal, through_api, through_ops_dashboard, through_admin, through_ocpp_send]


@pytest.mark.parametrize("door", START_DOORS, ids=lambda door: door.__name__)
@pytest.mark.parametrize(("state", "code"), START_STATES, ids=[state.__name__ for state, _ in START_STATES])
def test_every_door_refuses_a_start_in_a_bad_state_with_the_same_code(world, door, state, code):
    state(world)

    assert door(world) == code
    assert not CommandRequest.objects.filter(action=CommandRequest.Action.START).exists()


@pytest.mark.parametrize("door", START_DOORS, ids=lambda door: door.__name__)
def test_every_door_queues_one_start_in_a_good_state(world, door):
    assert door(world) is None

    command = CommandRequest.objects.get()
    assert (command.action, command.parameters) == ("start", {"connector": 1, "id_tag": world.token.uid})


# --- stopping -------------------------------------------------------------------------------


@pytest.fixture
def running(world):
    world.session = ChargingSessionFactory(
        station=world.station, connector=world.connector, token=world.token, id_tag=world.token.uid
    )
    return world


def session_ended(world):
    ChargingSession.objects.filter(pk=world.session.pk).update(status=ChargingSession.Status.COMPLETED)


STOP_STATES = [
    (session_ended, "session_ended"),
    (pending_station, "station_not_accepted"),
    (offline_station, "station_offline"),
]


def stop_through_portal(world):
    client = Client()
    client.force_login(world.driver.user)
    response = client.post(reverse("portal-session-stop", args=[world.session.pk]))
    refusals = [message.extra_tags for message in get_messages(response.wsgi_request) if message.level_tag == "error"]
    return refusals[0] if refusals else None


def stop_through_api(world):
    response = client_for(world.driver.user).post(f"/api/v1/sessions/{world.session.pk}/stop/")
    return None if response.status_code == 202 else response.json()["code"]


def stop_through_ops_dashboard(world):
    client = Client()
    client.force_login(world.staff)
    response = client.post(
        reverse("ops:session-intervene", args=[world.session.pk]), {"action": "remote_stop", "reason": "Called"}
    )
    return None if response.status_code == 200 else response.json()["code"]


def stop_through_admin(world):
    client = Client()
    client.force_login(world.staff)
    url = reverse("admin:ocpp_gateway_command_send") + f"?stations={world.station.pk}&action=RemoteStopTransaction"
    response = client.post(url, {"transactionId": world.session.pk})
    if response.status_code == 302:
        return None
    [error] = response.context["form"].non_field_errors()
    return re.search(r"\((\w+)\)$", error).group(1)


def stop_through_ocpp_send(world):
    payload = json.dumps({"transactionId": world.session.pk})
    try:
        call_command("ocpp_send", world.station.identity, "RemoteStopTransaction", payload, stdout=_Sink())
    except CommandError as error:
        return re.match(r"Refused \((\w+)\)", str(error)).group(1)
    return None


STOP_DOORS = [
    stop_through_portal,
    stop_through_api,
    stop_through_ops_dashboard,
    stop_through_admin,
    stop_through_ocpp_send,
]


@pytest.mark.parametrize("door", STOP_DOORS, ids=lambda door: door.__name__)
@pytest.mark.parametrize(("state", "code"), STOP_STATES, ids=[state.__name__ for state, _ in STOP_STATES])
def test_every_door_refuses_a_stop_in_a_bad_state_with_the_same_code(running, door, state, code):
    state(running)

    assert door(running) == code
    assert not CommandRequest.objects.exists()


@pytest.mark.parametrize("door", STOP_DOORS, ids=lambda door: door.__name__)
def test_every_door_queues_one_stop_for_a_running_session(running, door, settings):
    settings.CHARGE_COMMAND_TTL_SECONDS = 60

    assert door(running) is None

    command = CommandRequest.objects.get()
    assert (command.action, command.parameters) == ("stop", {"session": running.session.pk})
    assert 59 <= (command.expires_at - command.created_at).total_seconds() <= 61


def test_a_raw_stop_of_a_transaction_id_beyond_any_row_is_refused_not_an_error(world):
    with pytest.raises(CommandError, match=r"session_unknown"):
        call_command(
            "ocpp_send", world.station.identity, "RemoteStopTransaction", '{"transactionId": 9223372036854775808}'
        )
    assert not CommandRequest.objects.exists()


def test_a_blocked_app_token_is_not_replaced_behind_the_drivers_back(world):
    """The portal used to mint a fresh app token when the old one was blocked, stepping
    around the block; now the driver keeps the blocked one and is told so."""
    blocked_token(world)

    assert through_portal(world) == "token_blocked"
    assert world.driver.tokens.filter(kind=Token.Kind.APP).count() == 1


def test_a_token_without_a_driver_skips_the_account_checks(world):
    world.token = TokenFactory(driver=None)

    assert through_ocpp_send(world) is None
    assert CommandRequest.objects.get().parameters["id_tag"] == world.token.uid
