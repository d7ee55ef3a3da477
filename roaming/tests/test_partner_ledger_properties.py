"""Over random histories of a partner CPO's CDRs (amounts, months, credits), agreement
changes, statement runs and settlements: the partner's payable is always what the unsettled
statements and the CDRs not yet on one say we owe, every CDR is settled once, settled
statements leave nothing behind, and the ledger sums to zero."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from billing.models import Account, Entry, SettlementLine, SettlementStatement
from billing.selectors.ledger import account_balance
from billing.services.ledger import account_get
from billing.services.settlements import statement_settle, statements_generate
from drivers.tests.factories import DriverFactory, TokenFactory
from roaming.models import PartnerCdr
from roaming.selectors.partner_cdrs import partner_cdr_item, partner_markup
from roaming.services.partner_ledger import partner_cdr_post
from roaming.tests.factories import registered_partner
from stations.tests.factories import OrganisationFactory

MONTHS = [date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)]
AFTER_ALL = datetime(2026, 9, 1, tzinfo=UTC)

steps = st.lists(
    st.one_of(
        # A CDR in a month, its price excl. VAT in cents.
        st.tuples(st.just("cdr"), st.integers(0, 2), st.integers(1, 50000)),
        st.tuples(st.just("credit"), st.integers(0, 20)),
        # The agreement's commission changes (whole percent): CDRs keep the one they came under.
        st.tuples(st.just("commission"), st.integers(0, 30)),
        st.tuples(st.just("statements"), st.integers(0, 2)),
        st.tuples(st.just("settle"), st.integers(0, 20)),
    ),
    max_size=14,
)


def _after(month: date) -> datetime:
    return datetime(month.year + month.month // 12, month.month % 12 + 1, 1, 6, tzinfo=UTC)


def _received(partner, token, number: int, stopped_at: datetime, cents: int, credit_of=None) -> PartnerCdr:
    """A CDR as cdr_receive stores it (the agreement kept on it), then posted."""
    net = Decimal(cents) / 100
    cdr = PartnerCdr.objects.create(
        partner=partner,
        country_code="DE",
        party_id="EVC",
        cdr_id=f"c{number}",
        token=token,
        currency="EUR",
        total_excl_vat=credit_of.total_excl_vat if credit_of else net,
        total_incl_vat=(credit_of.total_excl_vat if credit_of else net) * Decimal("1.19"),
        energy_kwh=Decimal("10"),
        credit=credit_of is not None,
        started_at=stopped_at - timedelta(hours=1),
        stopped_at=stopped_at,
        data={},
        commission_percent=partner.commission_percent,
        markup_percent=partner_markup(partner),
    )
    partner_cdr_post(cdr=cdr)
    return cdr


class PartnerLedgerTests(TestCase):
    @settings(
        max_examples=12,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(steps)
    def test_the_payable_is_always_what_we_owe_and_settling_clears_it(self, history):
        books = OrganisationFactory(name="Partner CPO GmbH", is_owner=False, is_operator=False, is_emsp=False)
        partner = registered_partner(name="Partner CPO", token="cpo", role="CPO", country_code="DE", party_id="EVC")
        partner.organisation, partner.commission_percent = books, Decimal("15")
        partner.save()
        token = TokenFactory(driver=DriverFactory(emsp=OrganisationFactory(name="Our EMSP")))
        cdrs: list[PartnerCdr] = []
        for number, step in enumerate(history):
            if step[0] == "cdr":
                stopped_at = datetime(MONTHS[step[1]].year, MONTHS[step[1]].month, 10, 12, tzinfo=UTC)
                cdrs.append(_received(partner, token, number, stopped_at, step[2]))
            elif step[0] == "credit" and cdrs:
                original = cdrs[step[1] % len(cdrs)]
                if not original.credit:
                    later = original.stopped_at + timedelta(days=20)
                    cdrs.append(_received(partner, token, number, later, 0, credit_of=original))
            elif step[0] == "commission":
                partner.commission_percent = Decimal(step[1])
                partner.save()
            elif step[0] == "statements":
                statements_generate(period_start=MONTHS[step[1]], now=_after(MONTHS[step[1]]))
            elif step[0] == "settle":
                statements = list(SettlementStatement.objects.filter(party=books).order_by("pk"))
                if statements:
                    statement_settle(statement=statements[step[1] % len(statements)])
            self._payable_is_what_we_owe(books)

        for month in [*MONTHS, date(2026, 8, 1)]:
            statements_generate(period_start=month, now=AFTER_ALL)
        self._payable_is_what_we_owe(books)
        assert SettlementLine.objects.filter(role=SettlementStatement.Role.PARTNER_CPO).count() == len(cdrs)
        for statement in SettlementStatement.objects.filter(party=books):
            statement_settle(statement=statement)
        assert self._payable(books) == 0
        assert (Entry.objects.aggregate(total=Sum("amount"))["total"] or Decimal(0)) == 0

    def _payable(self, books) -> Decimal:
        return account_balance(
            account=account_get(kind=Account.Kind.PARTNER_PAYABLE, currency="EUR", organisation=books)
        )

    def _payable_is_what_we_owe(self, books) -> None:
        settled = set(
            SettlementLine.objects.filter(statement__settled_at__isnull=False).values_list(
                "foreign_reference", flat=True
            )
        )
        items = [partner_cdr_item(cdr) for cdr in PartnerCdr.objects.select_related("partner")]
        owed = sum((item.net - item.commission for item in items if item.reference not in settled), Decimal(0))
        assert self._payable(books) == -owed
