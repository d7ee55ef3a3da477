"""The whole roaming journey between two live instances of this project, each with its own
database, OCPI party ids, Celery queue and channel prefix: a CPO network (the test
database, its uvicorn and its Celery worker) and an EMSP network (a second database made
for this module, its own uvicorn).

The test process plays each network's staff and portal in turn: what it does "on" the EMSP
network runs against the EMSP's database with the EMSP's settings (`emsp_side`), exactly as
that network's own processes would. Everything between the two networks goes over OCPI
HTTP, and the CPO's charger is a real OCPP 1.6 client on a socket."""

import asyncio
import contextlib
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone
from ocpp.v16 import call

from billing.models import Account, ChargeDetailRecord, InvoiceLine, SettlementStatement
from billing.selectors.ledger import account_balance, ledger_totals
from billing.services.invoices import invoices_issue_for_month
from billing.services.ledger import account_get
from billing.services.settlements import statements_generate
from billing.tests.factories import energy_tariff
from config import live_servers
from drivers.models import Driver, Reservation
from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import connected, in_db, now_iso, run
from roaming import tasks
from roaming.models import Partner, PartnerCdr, PartnerLocation, PartnerSession, PartnerTariff, SentCommand
from roaming.services.partner_locations import locations_pull
from roaming.services.partners import partner_register
from roaming.services.sent_commands import (
    partner_charge_start,
    partner_charge_stop,
    partner_reservation_cancel,
    partner_reservation_make,
)
from roaming.tests.factories import pending_partner, public_connector
from stations.tests.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

CPO_PARTIES = {"OCPI_COUNTRY_CODE": "DE", "OCPI_CPO_PARTY_ID": "CPA", "OCPI_EMSP_PARTY_ID": "CPB"}
EMSP_PARTIES = {"OCPI_COUNTRY_CODE": "NL", "OCPI_CPO_PARTY_ID": "EMA", "OCPI_EMSP_PARTY_ID": "EMB"}


class Networks:
    cpo_url: str
    emsp_url: str
    emsp_database: str
    cpo_queue: str


@pytest.fixture(scope="module")
def networks(django_db_setup, django_db_blocker, tmp_path_factory):
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    logs = tmp_path_factory.mktemp("two-networks")
    found = Networks()
    found.emsp_database = f"{settings.DATABASES['default']['NAME']}_emsp"
    found.cpo_queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-cpo"
    cpo_port, emsp_port = live_servers.free_port(), live_servers.free_port()
    found.cpo_url, found.emsp_url = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{emsp_port}"
    emsp_database_url = live_servers.test_database_url().replace(
        f"/{settings.DATABASES['default']['NAME']}?", f"/{found.emsp_database}?"
    )
    cpo_env = {"OCPI_PUBLIC_URL": found.cpo_url, "CELERY_QUEUE": found.cpo_queue, **CPO_PARTIES}
    emsp_env = {
        "OCPI_PUBLIC_URL": found.emsp_url,
        "DATABASE_URL": emsp_database_url,
        "CHANNELS_PREFIX": f"{settings.CHANNEL_LAYERS['default']['CONFIG'].get('prefix', 'evcms')}-emsp",
        "CELERY_QUEUE": f"{settings.CELERY_TASK_DEFAULT_QUEUE}-emsp",
        **EMSP_PARTIES,
    }
    processes = []
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{found.emsp_database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{found.emsp_database}"')
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=live_servers.BASE_DIR,
            env=live_servers.server_env(**emsp_env),
            check=True,
            timeout=240,
        )
        processes.append(live_servers.start_uvicorn(port=cpo_port, log_path=logs / "cpo.log", extra_env=cpo_env))
        processes.append(
            live_servers.start_celery_worker(log_path=logs / "cpo-worker.log", extra_env=cpo_env, queue=found.cpo_queue)
        )
        processes.append(live_servers.start_uvicorn(port=emsp_port, log_path=logs / "emsp.log", extra_env=emsp_env))
        yield found
    finally:
        with django_db_blocker.unblock():
            for process in processes:
                live_servers.stop(process)
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{found.emsp_database}" WITH (FORCE)')


@contextlib.contextmanager
def emsp_side(networks):
    """Run the block as the EMSP network: its database, its public URL and party ids."""
    # The connection of this thread, the settings new connections of other threads read,
    # and the pool (made for one database): the CPO's is set aside while the EMSP's is used.
    databases = [connections["default"].settings_dict, connections.settings["default"]]
    pools = type(connections["default"])._connection_pools
    cpo_database = databases[0]["NAME"]
    connections["default"].close()
    cpo_pool = pools.pop("default", None)
    for database in databases:
        database["NAME"] = networks.emsp_database
    try:
        with override_settings(OCPI_PUBLIC_URL=networks.emsp_url, **EMSP_PARTIES):
            yield
    finally:
        connections["default"].close()
        emsp_pool = pools.pop("default", None)
        if emsp_pool is not None:
            emsp_pool.close()
        for database in databases:
            database["NAME"] = cpo_database
        if cpo_pool is not None:
            pools["default"] = cpo_pool


def on_emsp(networks, func, *args, **kwargs):
    with emsp_side(networks):
        return func(*args, **kwargs)


def ago(minutes: int) -> str:
    # An hour at 12 kW: plausible power, so that the CDR is not held for review.
    return (timezone.now() - timedelta(minutes=minutes)).isoformat()


def eventually(check, *, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


async def eventually_async(check, *, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await in_db(check)()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


# The agreement between the two networks, as each one's staff enter it: the EMSP keeps 10 % of
# the CPO's price (both sides say so), adds 20 % for its drivers, and pays net 30 days.
COMMISSION, MARKUP, PAYMENT_DAYS = Decimal("10"), Decimal("20"), 30


def agreements_sign(networks, *, emsp_at_cpo, cpo_at_emsp, token) -> None:
    """Before the CDR: each network's books name the other, and the EMSP invoices its driver."""
    Partner.objects.filter(pk=emsp_at_cpo.pk).update(
        organisation=OrganisationFactory(name="EMSP network B.V.", is_owner=False, is_operator=False),
        commission_percent=COMMISSION,
        payment_terms_days=PAYMENT_DAYS,
    )

    def on_the_emsp():
        Partner.objects.filter(pk=cpo_at_emsp.pk).update(
            organisation=OrganisationFactory(name="CPO network GmbH", is_owner=False, is_emsp=False),
            commission_percent=COMMISSION,
            markup_percent=MARKUP,
            payment_terms_days=PAYMENT_DAYS,
        )
        cpo_at_emsp.refresh_from_db()
        Driver.objects.filter(tokens=token).update(emsp=OrganisationFactory(name="EMSP network B.V."))

    on_emsp(networks, on_the_emsp)


def month_closed(*, stopped_at, organisation):
    """The month `stopped_at` belongs to in the organisation's zone, and an instant after it."""
    local = stopped_at.astimezone(ZoneInfo(organisation.time_zone)).date()
    return local.replace(day=1), stopped_at + timedelta(days=32)


def money_between_networks_check(networks, *, cpo_at_emsp, emsp_at_cpo, token) -> None:
    """The driver's invoice line on the EMSP, and both partner statements, to the cent, from
    the tariff (0.50 EUR/kWh excl. VAT, 19 % VAT) and the 12 kWh the charger metered."""
    net, vat = Decimal("6.00"), Decimal("1.14")  # 12 kWh × 0.50; 6.00 × 19 %
    commission = Decimal("0.60")  # 10 % of 6.00
    owed = net - commission  # 5.40: what the EMSP owes the CPO
    driver_net = Decimal("7.20")  # 6.00 + 20 % markup
    driver_vat = Decimal("1.37")  # 7.20 × 19 % = 1.368

    def emsp_books():
        received = PartnerCdr.objects.get(partner=cpo_at_emsp)
        driver = Driver.objects.get(tokens=token)
        period_start, after = month_closed(stopped_at=received.stopped_at, organisation=driver.emsp)
        invoices_issue_for_month(period_start=period_start, now=after)
        line = InvoiceLine.objects.get(foreign_reference=f"partner-cdr:{received.pk}")
        statements_generate(period_start=period_start, now=after)
        statement = SettlementStatement.objects.select_related("party").get(party=cpo_at_emsp.organisation)
        payable = ledger_balance(Account.Kind.PARTNER_PAYABLE, organisation=cpo_at_emsp.organisation)
        receivable = ledger_balance(Account.Kind.DRIVER_RECEIVABLE, driver=driver)
        return line, line.invoice.driver_id == driver.pk, statement, payable, receivable, ledger_totals()

    line, drivers_own, emsp_statement, payable, driver_owes, emsp_totals = on_emsp(networks, emsp_books)
    assert drivers_own
    assert (line.amount_excl_vat, line.vat, line.amount_incl_vat) == (driver_net, driver_vat, Decimal("8.57"))
    assert driver_owes == Decimal("8.57")  # the ledger holds what the invoice says

    cdr = ChargeDetailRecord.objects.get(kind=ChargeDetailRecord.Kind.CHARGE)
    period_start, after = month_closed(stopped_at=cdr.stopped_at, organisation=emsp_at_cpo.organisation)
    statements_generate(period_start=period_start, now=after)
    cpo_statement = SettlementStatement.objects.get(party=emsp_at_cpo.organisation)

    assert emsp_statement.role == SettlementStatement.Role.PARTNER_CPO
    assert cpo_statement.role == SettlementStatement.Role.PARTNER_EMSP
    for statement in (emsp_statement, cpo_statement):
        assert (statement.net_revenue, statement.vat, statement.commission, statement.payout_due) == (
            net,
            vat,
            commission,
            owed,
        )
        # Generated at `after` (the CDR's stop + 32 days), due 30 days after that day.
        issued = (cdr.stopped_at + timedelta(days=32)).astimezone(ZoneInfo(statement.party.time_zone)).date()
        assert statement.due_on == issued + timedelta(days=PAYMENT_DAYS)
    # Each network's ledger holds the same debt from its side, and sums to zero.
    assert payable == -owed
    assert ledger_balance(Account.Kind.PARTNER_RECEIVABLE, organisation=emsp_at_cpo.organisation) == owed
    assert set(emsp_totals.values()) == set(ledger_totals().values()) == {Decimal("0")}


def ledger_balance(kind, **party) -> Decimal:
    return account_balance(account=account_get(kind=kind, currency="EUR", **party))


def test_a_driver_of_one_network_charges_at_the_other(networks, settings):
    settings.OCPI_PUBLIC_URL = networks.cpo_url
    settings.OCPI_COUNTRY_CODE, settings.OCPI_CPO_PARTY_ID = CPO_PARTIES["OCPI_COUNTRY_CODE"], "CPA"
    settings.OCPI_EMSP_PARTY_ID = "CPB"

    # The CPO network: a public, priced charger, and token A for the EMSP, issued by staff.
    connector = public_connector()
    energy_tariff(station=connector.station, price="0.50", vat="19")
    site_id = str(connector.station.site_id)
    evse_uid = f"{connector.station.pk}-1"
    emsp_at_cpo, token_a = pending_partner(name="EMSP network")

    # The EMSP network: a verified driver, and the CPO entered by staff with token A.
    def emsp_setup():
        token = TokenFactory(uid="EMSPDRIVER01", driver__email_verified_at=timezone.now())
        cpo = Partner.objects.create(
            name="CPO network", versions_url=f"{networks.cpo_url}/ocpi/versions", outbound_token=token_a
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone()[0] == networks.emsp_database
        partner_register(partner=cpo)
        cpo.refresh_from_db()
        return token, cpo

    token, cpo_at_emsp = on_emsp(networks, emsp_setup)
    agreements_sign(networks, emsp_at_cpo=emsp_at_cpo, cpo_at_emsp=cpo_at_emsp, token=token)

    # Registration: each side holds the other's roles and endpoints; token A is spent.
    emsp_at_cpo.refresh_from_db()
    assert emsp_at_cpo.status == cpo_at_emsp.status == Partner.Status.REGISTERED
    assert {(r.role, r.country_code, r.party_id) for r in emsp_at_cpo.roles.all()} == {
        ("CPO", "NL", "EMA"),
        ("EMSP", "NL", "EMB"),
    }
    assert not emsp_at_cpo.inbound_token_is_a
    assert cpo_at_emsp.endpoint_url("commands", "RECEIVER") == f"{networks.cpo_url}/ocpi/cpo/2.2.1/commands"
    assert on_emsp(networks, lambda: {(r.role, r.party_id) for r in cpo_at_emsp.roles.all()}) == {
        ("CPO", "CPA"),
        ("EMSP", "CPB"),
    }

    def emsp_sees(func):
        return lambda: on_emsp(networks, func)

    # Location sync: right after the registration the CPO's worker pushes its Locations and
    # Tariffs to the EMSP; the EMSP's pull (the reconciliation) then changes nothing.
    eventually(
        emsp_sees(lambda: PartnerLocation.objects.filter(partner=cpo_at_emsp, location_id=site_id).exists()),
        what="the CPO pushes its Location to the EMSP after the registration",
        timeout=60,
    )
    eventually(
        emsp_sees(lambda: PartnerTariff.objects.filter(partner=cpo_at_emsp, party_id="CPA").exists()),
        what="the CPO pushes its Tariff to the EMSP after the registration",
        timeout=60,
    )

    def emsp_location():
        pushed = PartnerLocation.objects.get(partner=cpo_at_emsp, party_id="CPA", location_id=site_id)
        assert locations_pull(partner=cpo_at_emsp) >= 1
        pulled = PartnerLocation.objects.get(pk=pushed.pk)
        assert (pulled.data, pulled.last_updated) == (pushed.data, pushed.last_updated)
        return pulled

    location = on_emsp(networks, emsp_location)
    assert evse_uid in {evse["uid"] for evse in location.data["evses"]}

    async def journey():
        async with connected(networks.cpo_url, connector.station.identity) as charger:
            await charger.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))

            # The EMSP's driver reserves the EVSE from the portal's service, then cancels it:
            # the CPO's charger gets ReserveNow and CancelReservation, the EMSP each result.
            reserved = await in_db(on_emsp)(
                networks, partner_reservation_make, token=token, location=location, evse_uid=evse_uid, minutes=15
            )
            assert reserved.response == "ACCEPTED"
            reserve_now = await charger.wait_for_call("ReserveNow")
            assert (reserve_now["id_tag"], reserve_now["connector_id"]) == ("EMSPDRIVER01", 1)
            await eventually_async(
                emsp_sees(lambda: SentCommand.objects.get(pk=reserved.pk).result == "ACCEPTED"),
                what="the RESERVE_NOW result reaches the EMSP",
            )
            held = await in_db(Reservation.objects.get)(pk=reserve_now["reservation_id"])
            assert (held.id_tag, held.status, held.driver_id) == ("EMSPDRIVER01", Reservation.Status.ACCEPTED, None)
            cancel = await in_db(on_emsp)(networks, partner_reservation_cancel, token=token, reservation=reserved)
            assert cancel.response == "ACCEPTED"
            cancelled = await charger.wait_for_call("CancelReservation")
            assert cancelled["reservation_id"] == held.pk
            await eventually_async(
                emsp_sees(lambda: SentCommand.objects.get(pk=cancel.pk).result == "CANCELED_RESERVATION"),
                what="the CANCEL_RESERVATION result reaches the EMSP",
            )
            assert (await in_db(Reservation.objects.get)(pk=held.pk)).status == Reservation.Status.CANCELLED

            # The EMSP's driver starts from the portal's service; the CPO's charger is asked.
            sent = await in_db(on_emsp)(
                networks, partner_charge_start, token=token, location=location, evse_uid=evse_uid
            )
            assert sent.response == "ACCEPTED"
            remote_start = await charger.wait_for_call("RemoteStartTransaction")
            assert remote_start["id_tag"] == "EMSPDRIVER01"
            await eventually_async(
                emsp_sees(lambda: SentCommand.objects.get(pk=sent.pk).result == "ACCEPTED"),
                what="the START_SESSION result reaches the EMSP",
            )

            started = await charger.call(
                call.StartTransaction(connector_id=1, id_tag="EMSPDRIVER01", meter_start=0, timestamp=ago(60))
            )
            assert started.id_tag_info["status"] == "Accepted"
            session_id = str(started.transaction_id)
            session = await eventually_async(
                emsp_sees(lambda: PartnerSession.objects.filter(session_id=session_id, status="ACTIVE").first()),
                what="the CPO pushes the active session to the EMSP",
            )
            assert session.partner_id == cpo_at_emsp.pk and session.token_id == token.pk

            await charger.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[
                        {
                            "timestamp": ago(30),
                            "sampled_value": [{"value": "6000", "measurand": "Energy.Active.Import.Register"}],
                        }
                    ],
                )
            )

            # The driver stops from the portal's service; the charger is asked and stops.
            stop = await in_db(on_emsp)(networks, partner_charge_stop, token=token, session=session)
            assert stop.response == "ACCEPTED"
            await charger.wait_for_call("RemoteStopTransaction")
            await charger.call(
                call.StopTransaction(
                    transaction_id=started.transaction_id, meter_stop=12000, timestamp=now_iso(), reason="Remote"
                )
            )
            await eventually_async(
                emsp_sees(lambda: PartnerSession.objects.filter(session_id=session_id, status="COMPLETED").exists()),
                what="the CPO pushes the completed session to the EMSP",
            )
            return session_id

    session_id = run(journey())

    # The CPO's worker prices the session; its beat task pushes the CDR to the EMSP.
    cdr = eventually(
        lambda: ChargeDetailRecord.objects.filter(session_id=int(session_id)).first(), what="the CPO prices the CDR"
    )
    assert ChargeDetailRecord.objects.billable().filter(pk=cdr.pk).exists()
    tasks.cdrs_push_pending.apply_async(queue=networks.cpo_queue)
    received = eventually(
        lambda: on_emsp(networks, lambda: PartnerCdr.objects.filter(partner=cpo_at_emsp).first()),
        what="the CDR arrives at the EMSP",
    )
    assert received.token_id == token.pk
    assert received.energy_kwh * 1000 == cdr.energy_wh == 12000
    assert received.total_incl_vat == cdr.total_incl_vat
    assert received.total_excl_vat == cdr.total_excl_vat > 0

    money_between_networks_check(networks, cpo_at_emsp=cpo_at_emsp, emsp_at_cpo=emsp_at_cpo, token=token)
