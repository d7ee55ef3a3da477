"""Settlement as a view of closed periods: every CDR's shares settled exactly once, late
CDRs (offline uploads, re-pricing, credits) in the next statement as adjustments."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from billing.models import ChargeDetailRecord, Entry, SettlementLine, SettlementStatement
from billing.services.cdrs import cdr_credit, session_price, session_reprice
from billing.services.settlements import statements_generate
from billing.tests.factories import completed_session, energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests.factories import DriverFactory

D = Decimal
MONTHS = [date(2026, m, 1) for m in (1, 2, 3, 4)]
AFTER_ALL = datetime(2026, 7, 1, tzinfo=UTC)


def _after(month: date) -> datetime:
    """An instant safely after `month` ended in any zone the factories use."""
    return datetime(month.year + month.month // 12, month.month % 12 + 1, 2, tzinfo=UTC)


def _network():
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector, DriverFactory(emsp=connector.station.site.operator)


def _priced(connector, driver, month: date, energy_wh: int = 20000, day: int = 10):
    started_at = datetime(month.year, month.month, day, 12, tzinfo=UTC)
    session = completed_session(connector=connector, driver=driver, started_at=started_at, energy_wh=energy_wh)
    return session_price(session_id=session.pk)


def _owner_statements(owner):
    return SettlementStatement.objects.filter(party=owner, role="owner").order_by("period_start")


@pytest.mark.django_db
def test_month_that_has_not_ended_gets_no_statement():
    connector, driver = _network()
    _priced(connector, driver, MONTHS[0])
    assert statements_generate(period_start=MONTHS[0], now=datetime(2026, 1, 20, tzinfo=UTC)) == []
    assert not SettlementStatement.objects.exists()


@pytest.mark.django_db
def test_session_priced_after_its_month_was_settled_lands_in_the_next_statement():
    connector, driver = _network()
    owner = connector.station.owner
    _priced(connector, driver, MONTHS[0])
    _priced(connector, driver, MONTHS[0], energy_wh=10000)
    statements_generate(period_start=MONTHS[0], now=_after(MONTHS[0]))
    late = _priced(connector, driver, MONTHS[0], energy_wh=5000, day=30)  # uploaded from an offline charger

    statements_generate(period_start=MONTHS[0], now=_after(MONTHS[1]))
    [january] = _owner_statements(owner)
    assert january.session_count == 2

    statements_generate(period_start=MONTHS[1], now=_after(MONTHS[1]))
    february = _owner_statements(owner).get(period_start=MONTHS[1])
    assert february.session_count == 1 and february.owner_share == late.owner_share_amount
    [line] = february.lines
    assert (line["month"], line["adjustment"]) == ("2026-01", True)
    assert SettlementLine.objects.get(cdr=late, role="owner").statement == february


@pytest.mark.django_db
def test_credit_of_a_settled_cdr_is_deducted_in_the_next_statement():
    connector, driver = _network()
    owner = connector.station.owner
    cdr = _priced(connector, driver, MONTHS[0])
    statements_generate(period_start=MONTHS[0], now=_after(MONTHS[0]))
    cdr_credit(cdr=cdr, reason="meter fault")
    statements_generate(period_start=MONTHS[1], now=_after(MONTHS[1]))
    january, february = _owner_statements(owner)
    assert january.owner_share == cdr.owner_share_amount
    assert february.owner_share == -cdr.owner_share_amount


@pytest.mark.django_db
def test_generating_again_takes_nothing_twice():
    connector, driver = _network()
    _priced(connector, driver, MONTHS[0])
    first = statements_generate(period_start=MONTHS[0], now=AFTER_ALL)
    assert statements_generate(period_start=MONTHS[0], now=AFTER_ALL) == first
    assert statements_generate(period_start=MONTHS[1], now=AFTER_ALL) == []
    assert SettlementLine.objects.count() == 2  # the owner's and the operator's


# One step of a random history: price a session in a month, credit or re-price an
# existing CDR, or run the month's settlement at a moment after that month ended.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("session"), st.integers(0, 3), st.integers(1000, 60000)),
        st.tuples(st.just("credit"), st.integers(0, 20)),
        st.tuples(st.just("reprice"), st.integers(0, 20)),
        st.tuples(st.just("settle"), st.integers(0, 3)),
    ),
    max_size=12,
)


class SettlementCompletenessTests(TestCase):
    # Each example builds a network and prices sessions (~0.3 s); shrinking is left out so
    # that a failure reports its example quickly.
    @settings(
        max_examples=12,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(steps)
    def test_statements_add_up_to_every_share_exactly_once(self, history):
        connector, driver = _network()
        owner, operator = connector.station.owner, connector.station.site.operator
        sessions = []
        for step in history:
            if step[0] == "session":
                sessions.append(_priced(connector, driver, MONTHS[step[1]], energy_wh=step[2]).session_id)
            elif step[0] == "credit" and sessions:
                charge = ChargeDetailRecord.objects.filter(session_id=sessions[step[1] % len(sessions)], kind="charge")
                cdr_credit(cdr=charge.order_by("-revision").first(), reason="test")
            elif step[0] == "reprice" and sessions:
                session_reprice(session_id=sessions[step[1] % len(sessions)], reason="test")
            elif step[0] == "settle":
                statements_generate(period_start=MONTHS[step[1]], now=_after(MONTHS[step[1]]))
        # Every month, then the next one: CDRs that came after their month's statement
        # are taken by the next statement generated.
        for month in [*MONTHS, date(2026, 5, 1)]:
            statements_generate(period_start=month, now=AFTER_ALL)

        cdrs = ChargeDetailRecord.objects.all()
        owner_total = _owner_statements(owner).aggregate(total=Sum("owner_share"))["total"] or D(0)
        assert owner_total == (cdrs.aggregate(total=Sum("owner_share_amount"))["total"] or D(0))
        for role, party in (("owner", owner), ("operator", operator)):
            assert SettlementLine.objects.filter(role=role).count() == cdrs.count()
            for statement in SettlementStatement.objects.filter(party=party, role=role):
                taken = cdrs.filter(settlement_lines__statement=statement)
                assert statement.owner_share == (taken.aggregate(t=Sum("owner_share_amount"))["t"] or D(0))
                assert statement.session_count == taken.filter(kind="charge").count()
        assert (Entry.objects.aggregate(total=Sum("amount"))["total"] or D(0)) == 0


def test_after_is_after_the_month_in_every_zone():
    assert _after(MONTHS[0]) - timedelta(hours=14) > datetime(2026, 2, 1, tzinfo=UTC)
