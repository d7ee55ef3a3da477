from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Account, BillingAccount, ChargeDetailRecord, Subscription
from billing.selectors.ledger import account_balance
from billing.services.cdrs import session_price
from billing.services.cdrs_bulk import sessions_price_bulk
from billing.tests.factories import START, MembershipPlanFactory, completed_session, energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests.factories import DriverFactory
from stations.models import StatusChange

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def connector():
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def sessions(connector, count, **kwargs):
    driver = DriverFactory(emsp=connector.station.site.operator)
    return [
        completed_session(connector=connector, driver=driver, started_at=START + timedelta(hours=2 * i), **kwargs)
        for i in range(count)
    ]


def cdr_fields(cdr):
    return (
        cdr.total_excl_vat,
        cdr.total_vat,
        cdr.total_incl_vat,
        cdr.commission_amount,
        cdr.owner_share_amount,
        cdr.periods,
    )


def test_bulk_pricing_writes_the_same_cdrs_and_postings_as_one_by_one(connector):
    one_by_one = [session_price(session_id=s.pk) for s in sessions(connector, 3)]
    bulk_sessions = sessions(connector, 3)
    assert sessions_price_bulk(session_ids=[s.pk for s in bulk_sessions]) == 3
    bulk = [ChargeDetailRecord.objects.get(session=s) for s in bulk_sessions]
    assert [cdr_fields(c) for c in bulk] == [cdr_fields(c) for c in one_by_one]
    for cdr in bulk:
        receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=cdr.driver)
        assert account_balance(account=receivable) == D("9.52") * 3  # one driver per batch of sessions


def test_bulk_pricing_reads_idle_time_from_the_status_history_like_one_by_one():
    """Sessions without meter samples: idle time comes from the connector's status changes,
    which bulk pricing loads once per chunk and cuts per session."""
    connector = leased_connector()
    elements = [{"price_components": [{"type": "PARKING_TIME", "price": "12.00", "vat": "19", "step_size": 60}]}]
    energy_tariff(site=connector.station.site, elements=elements)
    driver = DriverFactory()
    starts = [START + timedelta(hours=2 * i) for i in range(4)]
    one_by_one, bulk = [], []
    for index, started_at in enumerate(starts):
        idle_after = 10 + 10 * index  # a different idle tail for each session
        session = completed_session(
            connector=connector, driver=driver, started_at=started_at, minutes=idle_after, samples=0, parking_minutes=30
        )
        StatusChange.objects.create(
            station=connector.station,
            connector_number=connector.connector_id,
            status="SuspendedEV",
            received_at=started_at + timedelta(minutes=idle_after),
        )
        (one_by_one if index % 2 == 0 else bulk).append((session, idle_after))
    priced_singly = [session_price(session_id=session.pk) for session, _ in one_by_one]

    assert sessions_price_bulk(session_ids=[session.pk for session, _ in bulk]) == 2

    priced_in_bulk = [ChargeDetailRecord.objects.get(session=session) for session, _ in bulk]
    for cdr, (_, idle_after) in zip(priced_singly + priced_in_bulk, one_by_one + bulk, strict=True):
        assert (cdr.charging_seconds, cdr.parking_seconds) == (idle_after * 60, 1800)
        assert cdr.total_excl_vat == D("6.00")  # 0.5 h parking × 12.00


def test_bulk_pricing_is_idempotent(connector):
    ids = [s.pk for s in sessions(connector, 4)]
    session_price(session_id=ids[0])
    assert sessions_price_bulk(session_ids=ids) == 3
    assert sessions_price_bulk(session_ids=ids) == 0
    assert ChargeDetailRecord.objects.count() == 4


def test_bulk_pricing_needs_a_fixed_number_of_queries_per_chunk(connector):
    sessions_price_bulk(session_ids=[s.pk for s in sessions(connector, 2)])  # accounts exist from here on
    few = [s.pk for s in sessions(connector, 2)]
    many = [s.pk for s in sessions(connector, 12)]
    with CaptureQueriesContext(connection) as small:
        sessions_price_bulk(session_ids=few)
    with CaptureQueriesContext(connection) as large:
        sessions_price_bulk(session_ids=many)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_wallet_drivers_and_included_kwh_members_take_the_careful_path(connector):
    wallet_driver = DriverFactory()
    BillingAccount.objects.create(driver=wallet_driver, mode=BillingAccount.Mode.WALLET)
    member = DriverFactory()
    plan = MembershipPlanFactory(operator=connector.station.site.operator, included_kwh=25)
    Subscription.objects.create(driver=member, plan=plan, started_on=START.date())
    ids = [
        completed_session(connector=connector, driver=wallet_driver).pk,
        completed_session(connector=connector, driver=member).pk,
        completed_session(connector=connector, driver=member, started_at=START + timedelta(hours=3)).pk,
    ]
    assert sessions_price_bulk(session_ids=ids) == 3
    wallet = Account.objects.get(kind=Account.Kind.DRIVER_WALLET, driver=wallet_driver)
    assert account_balance(account=wallet) == D("9.52")
    member_totals = sorted(c.total_excl_vat for c in ChargeDetailRecord.objects.filter(driver=member))
    assert member_totals == [D("0.00"), D("6.00")]  # 25 free kWh of 40


def test_missed_sessions_are_priced_by_the_sweep(connector):
    from billing.tasks import price_missed_sessions

    ids = [s.pk for s in sessions(connector, 2)]
    session_price(session_id=ids[0])
    assert price_missed_sessions() == 1
    assert ChargeDetailRecord.objects.filter(session_id__in=ids).count() == 2
    assert price_missed_sessions() == 0
