"""Pricing a stopped session into an immutable CDR and posting it to the ledger."""

import logging
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import pricing, signals
from billing.models import Account, CdrReview, ChargeDetailRecord
from billing.selectors.cdrs import cdr_in_force
from billing.selectors.session_pricing import CdrError, session_price_compute
from billing.services import commission, invoices, ledger, payments, receipts
from billing.services.pricing_lookup import PricingLookup
from stations.models import ChargingSession
from stations.models.sessions import ENERGY_DOUBT_FLAGS

logger = logging.getLogger(__name__)
CDR = ChargeDetailRecord
SESSION_RELATIONS = [
    "station__site__operator",
    "station__agreement__operator",
    "station__agreement__owner",
    "station__owner",
    "connector",
    "token_link__token__driver__emsp",
]


def session_price(*, session_id: int) -> ChargeDetailRecord:
    """Price a completed session into its CDR and post it to the ledger, atomically.

    Idempotent: if the session already has a charge CDR, that CDR is returned and nothing
    is written (concurrent runs are settled by the unique constraint). A session whose
    energy is in doubt gets a CDR held for review (billing.services.cdr_reviews): written,
    but not posted or paid until staff decide. Raises CdrError for a session that is not
    completed, a station without operator, or a tariff whose currency is not the
    operator's."""
    existing = cdr_in_force(session_id=session_id)
    if existing:
        return existing
    session = _session_for_pricing(session_id)
    return _cdr_save(_cdr_build(session=session, revision=1), hold=_hold_reasons(session))


def cdr_credit(*, cdr: ChargeDetailRecord, reason: str) -> ChargeDetailRecord:
    """Cancel a charge CDR with a credit CDR (negated totals) and reverse its postings.
    Idempotent: crediting a credited CDR returns the existing credit. Raises CdrError for
    a CDR held for review (its review approves or corrects it)."""
    if _is_held(cdr):
        raise CdrError(f"CDR {cdr.pk} is held for review: approve or correct it there.")
    return _credit_save(cdr=cdr, reason=reason, post=True)


def cdr_void(*, cdr: ChargeDetailRecord, reason: str) -> ChargeDetailRecord:
    """For a held CDR's correction only: cancel it with a credit CDR that, like the held
    CDR itself, is never posted, invoiced or settled. Idempotent."""
    return _credit_save(cdr=cdr, reason=reason, post=False)


def session_price_revision(*, session_id: int, revision: int) -> ChargeDetailRecord:
    """Price a session again as `revision`, never held (staff have reviewed it). The
    caller has credited the previous revision."""
    return _cdr_save(_cdr_build(session=_session_for_pricing(session_id), revision=revision))


def _credit_save(*, cdr: ChargeDetailRecord, reason: str, post: bool) -> ChargeDetailRecord:
    if cdr.kind != CDR.Kind.CHARGE:
        raise CdrError("Only a charge CDR can be credited.")
    existing = CDR.objects.filter(credits=cdr).first()
    if existing:
        return existing
    credit = CDR(
        kind=CDR.Kind.CREDIT,
        credits=cdr,
        revision=cdr.revision,
        reason=reason[:255],
        **{name: getattr(cdr, name) for name in _COPIED},
        **{name: -getattr(cdr, name) for name in _NEGATED},
        vat_breakdown=[
            {**line, "base": str(-Decimal(line["base"])), "vat": str(-Decimal(line["vat"]))}
            for line in cdr.vat_breakdown
        ],
    )
    return _cdr_save(credit, post=post)


def cdr_cancel(*, cdr: ChargeDetailRecord, reason: str, now: datetime) -> ChargeDetailRecord:
    """Credit a charge CDR and, if it was already invoiced, issue the credit note, in one
    transaction: a failure leaves neither. Idempotent like `cdr_credit`. Returns the credit."""
    with transaction.atomic():
        credit = cdr_credit(cdr=cdr, reason=reason)
        invoices.credit_note_issue(credit_cdr=credit, now=now)
    return credit


def session_reprice(*, session_id: int, reason: str) -> ChargeDetailRecord:
    """Correct a session's price: credit its current CDR (with a credit note if it was
    already invoiced) and price it again (next revision) from today's data; the new CDR
    goes on the next invoice. Returns the new charge CDR."""
    with transaction.atomic():
        current = cdr_in_force(session_id=session_id)
        if current is None:
            return session_price(session_id=session_id)
        cdr_cancel(cdr=current, reason=reason, now=timezone.now())
        return session_price_revision(session_id=session_id, revision=current.revision + 1)


# --- building --------------------------------------------------------------------------


_COPIED = [
    "session_id", "driver_id", "id_tag", "station_id", "site_id", "operator_id", "owner_id", "emsp_id",
    "agreement_id", "tariff_id", "tariff_snapshot", "membership_plan_id", "currency", "started_at", "stopped_at",
    "periods", "price_limit", "commission_percent", "owner_share_percent", "flags", "charging_seconds",
    "parking_seconds",
]  # fmt: skip
_NEGATED = [
    "energy_wh", "energy_cost", "time_cost", "parking_cost", "flat_cost", "reservation_cost",
    "discount_excl_vat", "total_excl_vat",
    "total_vat", "total_incl_vat", "commission_amount", "owner_share_amount",
]  # fmt: skip


def _hold_reasons(session: ChargingSession) -> list[str]:
    """Why this session's first CDR must wait for review; [] when it need not (energy not
    in doubt, or staff have already decided on one of its CDRs)."""
    if not session.energy_in_doubt:
        return []
    if CdrReview.objects.filter(cdr__session_id=session.pk).exclude(status=CdrReview.Status.HELD).exists():
        return []
    return [flag for flag in session.flags if flag in ENERGY_DOUBT_FLAGS] or ["negative_energy"]


def _is_held(cdr: ChargeDetailRecord) -> bool:
    return CdrReview.objects.filter(cdr=cdr, status=CdrReview.Status.HELD).exists()


def _session_for_pricing(session_id: int) -> ChargingSession:
    session = ChargingSession.objects.select_related(*SESSION_RELATIONS).get(pk=session_id)
    if session.status != ChargingSession.Status.COMPLETED or session.stopped_at is None:
        raise CdrError(f"Session {session_id} is not completed; only stopped sessions are priced.")
    return session


def _cdr_build(*, session: ChargingSession, revision: int, lookup: PricingLookup | None = None) -> ChargeDetailRecord:
    lookup = lookup or PricingLookup()
    priced = session_price_compute(session=session, lookup=lookup)
    station, operator, driver, tariff = session.station, session.station.operator, priced.driver, priced.tariff
    result, spec, excl, vat_total = priced.result, priced.spec, priced.total_excl_vat, priced.total_vat
    flags = [] if session.energy_wh else ["no_energy"]
    if tariff is None:
        flags.append("no_tariff")
    emsp = driver.emsp if driver else None
    on = session.started_at.date()
    commission_pct = lookup.commission(emsp=emsp, cpo=operator, on=on)
    owner_pct = commission.owner_share_percent(agreement=station.agreement, operator=operator)
    dims = result.dimension_amounts
    return CDR(
        kind=CDR.Kind.CHARGE,
        revision=revision,
        session=session,
        driver=driver,
        id_tag=session.id_tag,
        station=station,
        site=station.site,
        operator=operator,
        owner=station.agreement.owner if station.agreement_id else station.owner,
        emsp=emsp,
        agreement=station.agreement,
        tariff=tariff,
        tariff_snapshot=lookup.tariff_snapshot(tariff) if tariff else {},
        membership_plan=priced.plan,
        currency=spec.currency,
        started_at=session.started_at,
        stopped_at=session.stopped_at,
        energy_wh=session.energy_wh,
        charging_seconds=result.charging_seconds,
        parking_seconds=result.parking_seconds,
        periods=[period.as_dict() for period in result.periods],
        energy_cost=_four(dims[pricing.ENERGY]),
        time_cost=_four(dims[pricing.TIME]),
        parking_cost=_four(dims[pricing.PARKING_TIME]),
        flat_cost=_four(dims[pricing.FLAT]),
        reservation_cost=_four(dims[pricing.RESERVATION_FLAT] + dims[pricing.RESERVATION_TIME]),
        discount_excl_vat=result.total_excl_vat - excl,
        total_excl_vat=excl,
        total_vat=vat_total,
        total_incl_vat=excl + vat_total,
        vat_breakdown=priced.vat_breakdown,
        price_limit=result.price_limit,
        commission_percent=commission_pct,
        commission_amount=commission.share_of(net=excl, percent=commission_pct, currency=spec.currency),
        owner_share_percent=owner_pct,
        owner_share_amount=commission.share_of(net=excl, percent=owner_pct, currency=spec.currency),
        flags=flags,
    )


# --- saving and posting ----------------------------------------------------------------


def _cdr_save(cdr: ChargeDetailRecord, *, hold: list[str] | None = None, post: bool = True) -> ChargeDetailRecord:
    """Write the CDR and post it (and debit a wallet), or, with `hold` reasons, write it
    with its review and post nothing until the review approves it."""
    try:
        with transaction.atomic():
            cdr.save()
            if hold:
                CdrReview.objects.create(cdr=cdr, reasons=hold)
            elif post:
                cdr_release(cdr=cdr)
    except IntegrityError:
        # A concurrent run wrote this CDR first; its postings came with it.
        winner = CDR.objects.filter(session_id=cdr.session_id, kind=cdr.kind, revision=cdr.revision).first()
        if winner is None:
            raise
        return winner
    logger.info("Priced %s%s", cdr, " (held for review)" if hold else "")
    return cdr


def cdr_release(*, cdr: ChargeDetailRecord) -> None:
    """Post the CDR to the ledger, debit the driver's wallet if they pay by wallet, and
    queue the driver's receipt (after commit). Every path that makes a CDR final comes
    through here (or through the bulk path's own copy of it), so each priced session gets
    its receipt. Idempotent (all three are keyed by the CDR or its session)."""
    _cdr_post(cdr)
    payments.wallet_debit_for_cdr(cdr=cdr)
    receipts.session_receipt_send(cdr=cdr)
    signals.cdrs_released_send([cdr.pk])


def _cdr_post(cdr: ChargeDetailRecord) -> None:
    ledger.transaction_post(
        reference=f"cdr:{cdr.pk}",
        kind=f"cdr_{cdr.kind}",
        occurred_at=cdr.stopped_at,
        postings=cdr_postings(
            cdr=cdr,
            account=lambda kind, org=None, driver=None: ledger.account_get(
                kind=kind, currency=cdr.currency, organisation=org, driver=driver
            ),
        ),
        description=f"{cdr.get_kind_display()} CDR for session {cdr.session_id}",
    )


def cdr_postings(*, cdr: ChargeDetailRecord, account) -> list[tuple[Account, Decimal]]:
    """Driver owes gross; VAT to the issuer; net to the CPO, of which commission to the
    EMSP and the owner's share to the owner. Sums to zero by construction.
    `account(kind, org=None, driver=None)` returns the ledger account in the CDR's currency."""
    revenue = account(Account.Kind.CPO_REVENUE, org=cdr.operator)
    postings = [
        (account(Account.Kind.DRIVER_RECEIVABLE, driver=cdr.driver), cdr.total_incl_vat),
        (account(Account.Kind.VAT_PAYABLE, org=cdr.emsp or cdr.operator), -cdr.total_vat),
        (revenue, -cdr.total_excl_vat),
    ]
    if cdr.commission_amount:
        emsp_account = account(Account.Kind.EMSP_COMMISSION, org=cdr.emsp)
        postings += [(revenue, cdr.commission_amount), (emsp_account, -cdr.commission_amount)]
    if cdr.owner_share_amount:
        owner_account = account(Account.Kind.OWNER_PAYABLE, org=cdr.owner)
        postings += [(revenue, cdr.owner_share_amount), (owner_account, -cdr.owner_share_amount)]
    return postings


def _four(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.0001"))
