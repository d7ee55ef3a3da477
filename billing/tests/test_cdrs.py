from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing.models import Account, ChargeDetailRecord, Entry, LedgerTransaction, Subscription
from billing.selectors.ledger import account_balance
from billing.services.cdrs import CdrError, cdr_credit, session_price, session_reprice
from billing.tests.factories import (
    START,
    CommissionAgreementFactory,
    MembershipPlanFactory,
    completed_session,
    energy_tariff,
)
from drivers.tests.factories import DriverFactory
from stations.models import ChargingSession, StatusChange
from stations.tests.factories import (
    ChargingStationFactory,
    ConnectorFactory,
    OperatingAgreementFactory,
    OrganisationFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def leased_connector():
    """A connector on a station the operator runs for a separate owner (25 % share)."""
    operator = OrganisationFactory(name="Operator GmbH", is_owner=False)
    owner = OrganisationFactory(name="Owner AG", is_operator=False, is_emsp=False)
    site = SiteFactory(operator=operator)
    agreement = OperatingAgreementFactory(owner=owner, operator=operator, revenue_share_percent=D("25"))
    station = ChargingStationFactory(site=site, owner=owner, agreement=agreement)
    return ConnectorFactory(station=station)


def balance(kind, **party):
    account = Account.objects.get(kind=kind, **party)
    return account_balance(account=account)


def test_stopped_session_is_priced_into_a_cdr_with_vat_commission_and_owner_share():
    connector = leased_connector()
    operator = connector.station.site.operator
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    driver = DriverFactory(emsp=operator)
    cdr = session_price(session_id=completed_session(connector=connector, driver=driver, energy_wh=20000).pk)
    assert (cdr.total_excl_vat, cdr.total_vat, cdr.total_incl_vat) == (D("8.00"), D("1.52"), D("9.52"))
    assert cdr.energy_wh == 20000 and cdr.tariff_snapshot["elements"][0]["price_components"][0]["price"] == "0.400000"
    assert (cdr.commission_amount, cdr.owner_share_amount) == (D("0.60"), D("2.00"))
    assert balance(Account.Kind.DRIVER_RECEIVABLE, driver=driver) == D("9.52")
    assert balance(Account.Kind.VAT_PAYABLE, organisation=operator) == D("-1.52")
    assert balance(Account.Kind.CPO_REVENUE, organisation=operator) == D("-5.40")
    assert balance(Account.Kind.EMSP_COMMISSION, organisation=operator) == D("-0.60")
    assert balance(Account.Kind.OWNER_PAYABLE, organisation=connector.station.owner) == D("-2.00")


def test_pricing_twice_returns_the_same_cdr_and_posts_once():
    connector = leased_connector()
    energy_tariff(site=connector.station.site)
    session = completed_session(connector=connector)
    first, second = session_price(session_id=session.pk), session_price(session_id=session.pk)
    assert first.pk == second.pk
    assert ChargeDetailRecord.objects.count() == 1
    assert LedgerTransaction.objects.filter(reference=f"cdr:{first.pk}").count() == 1


def test_commission_follows_the_emsp_cpo_agreement():
    connector = leased_connector()
    operator = connector.station.site.operator
    emsp = OrganisationFactory(name="Roaming EMSP", is_owner=False, is_operator=False)
    CommissionAgreementFactory(emsp=emsp, cpo=operator, percent=D("10"))
    energy_tariff(site=connector.station.site, price="0.50")
    cdr = session_price(session_id=completed_session(connector=connector, driver=DriverFactory(emsp=emsp)).pk)
    assert cdr.commission_percent == D("10") and cdr.commission_amount == D("1.00")
    assert balance(Account.Kind.EMSP_COMMISSION, organisation=emsp) == D("-1.00")


def test_most_specific_tariff_wins_connector_over_station_over_site():
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.50")
    energy_tariff(station=connector.station, price="0.45")
    energy_tariff(connector=connector, price="0.30")
    cdr = session_price(session_id=completed_session(connector=connector, energy_wh=10000).pk)
    assert cdr.total_excl_vat == D("3.00")


def test_the_tariff_in_force_at_session_start_is_applied():
    connector = leased_connector()
    site = connector.station.site
    energy_tariff(site=site, price="0.40", valid_until=START + timedelta(minutes=30))
    energy_tariff(site=site, price="0.60", valid_from=START + timedelta(minutes=30))
    cdr = session_price(session_id=completed_session(connector=connector, energy_wh=10000).pk)
    assert cdr.total_excl_vat == D("4.00")  # the session started under the old tariff


def test_idle_tail_in_the_meter_samples_is_parking_time():
    connector = leased_connector()
    elements = [
        {
            "price_components": [
                {"type": "ENERGY", "price": "0.40", "vat": "19", "step_size": 1},
                {"type": "PARKING_TIME", "price": "6.00", "vat": "19", "step_size": 60},
            ]
        }
    ]
    energy_tariff(site=connector.station.site, elements=elements)
    session = completed_session(connector=connector, minutes=60, energy_wh=10000, parking_minutes=30)
    cdr = session_price(session_id=session.pk)
    assert (cdr.charging_seconds, cdr.parking_seconds) == (3600, 1800)
    assert cdr.total_excl_vat == D("7.00")  # 4.00 energy + 0.5 h × 6.00


def test_status_history_tells_idle_time_when_there_are_no_samples():
    connector = leased_connector()
    elements = [{"price_components": [{"type": "PARKING_TIME", "price": "12.00", "vat": "19", "step_size": 60}]}]
    energy_tariff(site=connector.station.site, elements=elements)
    session = completed_session(connector=connector, minutes=40, energy_wh=5000, samples=0, parking_minutes=20)
    StatusChange.objects.create(
        station=connector.station,
        connector_number=connector.connector_id,
        status="SuspendedEV",
        received_at=START + timedelta(minutes=40),
    )
    cdr = session_price(session_id=session.pk)
    assert cdr.parking_seconds == 1200 and cdr.total_excl_vat == D("4.00")


def test_session_without_energy_gets_a_zero_cdr_and_posts_nothing():
    connector = leased_connector()
    energy_tariff(site=connector.station.site)
    cdr = session_price(session_id=completed_session(connector=connector, energy_wh=0, samples=0).pk)
    assert cdr.total_incl_vat == D("0") and "no_energy" in cdr.flags
    assert not Entry.objects.exists()


def test_session_without_tariff_is_recorded_free_and_flagged():
    cdr = session_price(session_id=completed_session(connector=leased_connector()).pk)
    assert cdr.total_incl_vat == 0 and "no_tariff" in cdr.flags


def test_currency_mismatch_between_tariff_and_operator_is_refused_and_writes_nothing():
    connector = leased_connector()
    energy_tariff(site=connector.station.site)
    operator = connector.station.site.operator
    operator.currency = "CHF"
    operator.save()
    session = completed_session(connector=connector)
    with pytest.raises(CdrError, match="CHF"):
        session_price(session_id=session.pk)
    assert not ChargeDetailRecord.objects.exists() and not LedgerTransaction.objects.exists()


def test_a_running_session_is_not_priced():
    session = completed_session(connector=leased_connector())
    ChargingSession.objects.filter(pk=session.pk).update(status=ChargingSession.Status.ACTIVE, stopped_at=None)
    with pytest.raises(CdrError, match="not completed"):
        session_price(session_id=session.pk)


def test_credit_cdr_negates_the_original_and_reverses_its_postings_once():
    connector = leased_connector()
    energy_tariff(site=connector.station.site)
    driver = DriverFactory()
    cdr = session_price(session_id=completed_session(connector=connector, driver=driver).pk)
    credit = cdr_credit(cdr=cdr, reason="Meter fault")
    assert credit.kind == "credit" and credit.credits == cdr and credit.total_incl_vat == -cdr.total_incl_vat
    assert cdr_credit(cdr=cdr, reason="again").pk == credit.pk
    assert balance(Account.Kind.DRIVER_RECEIVABLE, driver=driver) == 0


def test_cdr_cannot_be_edited():
    connector = leased_connector()
    energy_tariff(site=connector.station.site)
    cdr = session_price(session_id=completed_session(connector=connector).pk)
    cdr.total_incl_vat = D("1")
    with pytest.raises(ValueError, match="immutable"):
        cdr.save()


def test_reprice_credits_the_old_cdr_and_issues_the_next_revision():
    connector = leased_connector()
    tariff = energy_tariff(site=connector.station.site, price="0.40")
    session = completed_session(connector=connector, energy_wh=10000)
    first = session_price(session_id=session.pk)
    tariff.valid_until = START - timedelta(seconds=1)
    tariff.valid_from = START - timedelta(days=1)
    tariff.save()
    energy_tariff(site=connector.station.site, price="0.35", valid_from=START - timedelta(seconds=1))
    second = session_reprice(session_id=session.pk, reason="Tariff entered late")
    assert second.revision == 2 and second.total_excl_vat == D("3.50")
    assert first.credited_by.total_excl_vat == D("-4.00")


def test_member_tariff_and_percentage_discount_apply_to_members():
    connector = leased_connector()
    operator = connector.station.site.operator
    plan = MembershipPlanFactory(operator=operator, discount_percent=D("10"))
    energy_tariff(site=connector.station.site, price="0.50")
    energy_tariff(site=connector.station.site, price="0.40", membership_plan=plan, name="Members")
    member = DriverFactory()
    Subscription.objects.create(driver=member, plan=plan, started_on=datetime(2026, 1, 1, tzinfo=UTC).date())
    cdr = session_price(session_id=completed_session(connector=connector, driver=member, energy_wh=10000).pk)
    assert cdr.membership_plan == plan
    assert cdr.total_excl_vat == D("3.60")  # 10 kWh × 0.40, less 10 %
    assert cdr.discount_excl_vat == D("0.40")
    other = session_price(session_id=completed_session(connector=connector, energy_wh=10000).pk)
    assert other.total_excl_vat == D("5.00")


def test_included_kwh_are_free_until_used_up_in_the_month():
    connector = leased_connector()
    plan = MembershipPlanFactory(operator=connector.station.site.operator, included_kwh=15)
    energy_tariff(site=connector.station.site, price="0.40")
    member = DriverFactory()
    Subscription.objects.create(driver=member, plan=plan, started_on=datetime(2026, 1, 1).date())
    first = session_price(session_id=completed_session(connector=connector, driver=member, energy_wh=10000).pk)
    later = START + timedelta(hours=3)
    second = session_price(
        session_id=completed_session(connector=connector, driver=member, energy_wh=10000, started_at=later).pk
    )
    assert first.total_excl_vat == D("0.00")
    assert second.total_excl_vat == D("2.00")  # 5 of 10 kWh still free


def test_stop_before_start_on_the_charger_clock_still_bills_the_energy():
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40")
    session = completed_session(connector=connector, minutes=-5, samples=0, energy_wh=10000)
    cdr = session_price(session_id=session.pk)
    assert cdr.total_excl_vat == D("4.00") and cdr.charging_seconds == 0
