"""Roaming CDRs in our double-entry ledger, per partner: what we owe a partner CPO for its
CDRs of our drivers (partner payable) and what a partner EMSP owes us for our CDRs of its
tokens (partner receivable), each less the commission of the agreement in force when the
CDR arrived. The amounts are the statement's items to the cent, so that settling a
statement (billing's `statement_settle`) clears exactly what its CDRs posted.

Between the parties, amounts are settled excl. VAT: the VAT of a roaming charge is owed by
the network that invoices the driver (the EMSP). Every posting is keyed by the CDR, so it
is written once however often it is asked for; a credit CDR posts the same with negated
amounts, which reverses its original."""

from decimal import Decimal

from django.db import transaction

from billing.models import Account, ChargeDetailRecord, LedgerTransaction
from billing.services import ledger
from roaming.models import CdrPush, Partner, PartnerCdr, PartnerToken
from roaming.selectors.partner_cdrs import (
    our_cdr_item,
    our_cdrs_of_party,
    partner_cdr_charge,
    partner_cdr_item,
)
from stations.models import Organisation


def partner_cdr_post(*, cdr: PartnerCdr) -> bool:
    """Post a partner CPO's CDR of one of our drivers (we are the EMSP): the driver owes what
    their invoice line will say (the partner's price plus our markup, with VAT); we owe the
    partner its price less our commission; the VAT is ours to pay; commission and markup are
    our revenue. True when written now; False when posted before or when the partner has no
    organisation in our books yet (the statement run posts it once staff name one)."""
    organisation = cdr.partner.organisation
    if organisation is None or cdr.token is None:
        return False
    charge, item = partner_cdr_charge(cdr), partner_cdr_item(cdr)
    driver = cdr.token.driver
    emsp = driver.emsp if driver else None
    owed = item.net - item.commission
    earned = charge.amount_excl_vat - owed

    def account(kind, **party):
        return ledger.account_get(kind=kind, currency=cdr.currency, **party)

    _, created = ledger.transaction_post(
        reference=f"partner-cdr:{cdr.pk}",
        kind="partner_cdr",
        occurred_at=cdr.stopped_at,
        postings=[
            (account(Account.Kind.DRIVER_RECEIVABLE, driver=driver), charge.amount_excl_vat + charge.vat),
            (account(Account.Kind.VAT_PAYABLE, organisation=emsp), -charge.vat),
            (account(Account.Kind.PARTNER_PAYABLE, organisation=organisation), -owed),
            (account(Account.Kind.EMSP_COMMISSION, organisation=emsp), -earned),
        ],
        description=f"{'Credit ' if cdr.credit else ''}CDR {cdr.cdr_id} of {cdr.partner.name}",
    )
    return created


def our_cdr_push_record(*, cdr: ChargeDetailRecord, partner: Partner) -> CdrPush:
    """The row that makes one of our CDRs a partner EMSP's (its token charged): it keeps the
    commission the partner's agreement gives it now, and posts what the partner owes us.
    Idempotent: an existing row is returned as it is."""
    with transaction.atomic():
        push, created = CdrPush.objects.get_or_create(
            cdr=cdr, defaults={"partner": partner, "commission_percent": partner.commission_percent}
        )
        if created:
            our_cdr_post(push=push)
    return push


def our_cdr_post(*, push: CdrPush) -> bool:
    """Move what our CDR booked as an ad-hoc receivable to the partner EMSP: it owes us the
    net less its commission (which comes off our revenue), and the VAT is the EMSP's to
    charge its driver. True when written now; False when posted before or when the partner
    has no organisation in our books yet."""
    organisation, cdr = push.partner.organisation, push.cdr
    if organisation is None:
        return False
    item = our_cdr_item(push)

    def account(kind, **party):
        return ledger.account_get(kind=kind, currency=cdr.currency, **party)

    _, created = ledger.transaction_post(
        reference=f"partner-receivable:cdr:{cdr.pk}",
        kind="partner_receivable",
        occurred_at=cdr.stopped_at,
        postings=[
            (account(Account.Kind.PARTNER_RECEIVABLE, organisation=organisation), item.net - item.commission),
            (account(Account.Kind.CPO_REVENUE, organisation=cdr.operator), item.commission),
            # The same VAT account the CDR credited (billing.services.cdrs.cdr_postings).
            (account(Account.Kind.VAT_PAYABLE, organisation=cdr.emsp or cdr.operator), Decimal(cdr.total_vat)),
            (account(Account.Kind.DRIVER_RECEIVABLE, driver=cdr.driver), -Decimal(cdr.total_incl_vat)),
        ],
        description=f"{cdr.get_kind_display()} CDR {cdr.pk} owed by {push.partner.name}",
    )
    return created


def partner_books_post(*, partner: Partner, now) -> int:
    """Once staff name the partner's organisation: post what was waiting for it, both ways."""
    if partner.organisation is None:
        return 0
    return partner_cdrs_post(party=partner.organisation, end=now) + our_cdrs_post(party=partner.organisation, end=now)


def partner_cdrs_post(*, party: Organisation, end) -> int:
    """Before a partner CPO's statement: post each of its CDRs stopped before `end` that is
    not in the ledger yet (one that arrived before the partner had an organisation)."""
    cdrs = PartnerCdr.objects.filter(partner__organisation=party, stopped_at__lt=end)
    return sum(partner_cdr_post(cdr=cdr) for cdr in _unposted(cdrs, "partner-cdr:").select_related("partner", "token"))


def our_cdrs_post(*, party: Organisation, end) -> int:
    """Before a partner EMSP's statement: every CDR of its tokens stopped before `end` gets
    its push row (the periodic push only looks at recent CDRs) and its posting."""
    posted = 0
    for cdr in our_cdrs_of_party(party=party, end=end).filter(partner_push__isnull=True).select_related("operator"):
        token = PartnerToken.objects.filter(partner__organisation=party, uid__iexact=cdr.id_tag).first()
        if token is not None:
            our_cdr_push_record(cdr=cdr, partner=token.partner)
            posted += 1
    pushes = CdrPush.objects.filter(cdr__in=our_cdrs_of_party(party=party, end=end))
    pushes = _unposted(pushes, "partner-receivable:cdr:", field="cdr_id")
    return posted + sum(our_cdr_post(push=push) for push in pushes.select_related("cdr__station", "partner"))


def _unposted(rows, prefix: str, *, field: str = "pk"):
    """`rows` without a ledger transaction yet: one query instead of one failed insert each."""
    references = [f"{prefix}{value}" for value in rows.values_list(field, flat=True)]
    posted = LedgerTransaction.objects.filter(reference__in=references).values_list("reference", flat=True)
    return rows.exclude(**{f"{field}__in": [int(reference.rsplit(":", 1)[1]) for reference in posted]})
