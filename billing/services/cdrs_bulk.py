"""Pricing many stopped sessions at once (catch-up after an outage, imports, the
benchmark): the same CDRs and postings as session_price, from a handful of queries per
chunk instead of a couple of dozen per session."""

import logging

from django.db import IntegrityError, transaction

from billing import signals
from billing.models import Account, BillingAccount, ChargeDetailRecord, Entry, LedgerTransaction
from billing.money import ZERO
from billing.services import ledger, receipts
from billing.services.cdrs import CdrError, _cdr_build, cdr_postings, session_price
from billing.services.pricing_lookup import PreloadedLookup
from drivers.models import Token
from drivers.selectors.sessions import session_links_attach, session_token
from stations.models import ChargingSession, ChargingStation, Connector

logger = logging.getLogger(__name__)
CDR = ChargeDetailRecord


def sessions_price_bulk(*, session_ids: list[int], chunk_size: int = 500) -> int:
    """Price the completed sessions among `session_ids` that have no CDR yet; returns how
    many CDRs were written. Idempotent like session_price. Sessions that need the careful
    path — wallet drivers (a wallet debit each), members with included kWh (a running
    monthly allowance), sessions whose CDR may be held for review, or a chunk that met a
    concurrent writer — go through session_price;
    sessions that cannot be priced are logged and skipped (CdrError)."""
    written = 0
    relations = _Relations()
    for start in range(0, len(session_ids), chunk_size):
        written += _chunk_price(list(session_ids[start : start + chunk_size]), relations)
    return written


def _chunk_price(session_ids: list[int], relations: "_Relations") -> int:
    priced = set(
        CDR.objects.filter(session_id__in=session_ids, kind=CDR.Kind.CHARGE).values_list("session_id", flat=True)
    )
    sessions = list(
        ChargingSession.objects.filter(
            pk__in=session_ids, status=ChargingSession.Status.COMPLETED, stopped_at__isnull=False
        )
        .exclude(pk__in=priced)
        .order_by("stopped_at", "pk")
    )
    if not sessions:
        return 0
    relations.attach(sessions)
    lookup = PreloadedLookup(sessions)
    driver_ids = {t.driver_id for t in (session_token(session=s) for s in sessions) if t and t.driver_id}
    wallet_drivers = set(
        BillingAccount.objects.filter(driver_id__in=driver_ids, mode=BillingAccount.Mode.WALLET).values_list(
            "driver_id", flat=True
        )
    )
    cdrs, careful = [], []
    for session in sessions:
        token = session_token(session=session)
        driver_id = token.driver_id if token else None
        if driver_id in wallet_drivers or session.energy_in_doubt:
            careful.append(session.pk)
            continue
        try:
            cdr = _cdr_build(session=session, revision=1, lookup=lookup)
        except CdrError as error:
            logger.error("Session %s not priced: %s", session.pk, error)
            continue
        if cdr.membership_plan_id and cdr.membership_plan.included_kwh:
            careful.append(session.pk)
            continue
        cdrs.append(cdr)
    try:
        with transaction.atomic():
            CDR.objects.bulk_create(cdrs)
            _post(cdrs)
            # What cdr_release does for one CDR: these are final, so their drivers get receipts.
            receipts.session_receipts_send(cdrs=cdrs)
            signals.cdrs_released_send([cdr.pk for cdr in cdrs])
    except IntegrityError:
        logger.info("Bulk pricing met a concurrent writer; pricing %s sessions one by one", len(cdrs))
        careful += [cdr.session_id for cdr in cdrs]
        cdrs = []
    for session_id in careful:
        try:
            session_price(session_id=session_id)
        except CdrError as error:
            logger.error("Session %s not priced: %s", session_id, error)
    return len(cdrs) + len(careful)


class _Relations:
    """The stations (with their site, agreement and organisations), connectors and tokens
    pricing reads, loaded once per run for each distinct one and attached to each session
    rather than joined into every session row: a month's sessions share a fleet's few
    thousand stations and drivers, and reloading them per chunk was a fifth of the run."""

    def __init__(self):
        self.stations: dict[int, ChargingStation] = {}
        self.connectors: dict[int, Connector] = {}
        self.tokens: dict[int, Token] = {}

    def attach(self, sessions: list[ChargingSession]) -> None:
        self._load(
            self.stations,
            {s.station_id for s in sessions},
            ChargingStation.objects.select_related(
                "site__operator", "agreement__operator", "agreement__owner", "owner"
            ),
        )
        self._load(self.connectors, {s.connector_id for s in sessions if s.connector_id}, Connector.objects.all())
        session_links_attach(sessions=sessions, tokens=self.tokens)
        for session in sessions:
            session.station = self.stations[session.station_id]
            session.connector = self.connectors.get(session.connector_id)

    @staticmethod
    def _load(cache: dict, ids: set[int], queryset) -> None:
        missing = ids - cache.keys()
        if missing:
            cache.update(queryset.in_bulk(missing))


def _post(cdrs: list[ChargeDetailRecord]) -> None:
    specs = []

    def collect(kind, org=None, driver=None, *, currency):
        specs.append((kind, currency, org, driver))
        return (kind, currency, org, driver)

    planned = [
        cdr_postings(
            cdr=cdr, account=lambda k, org=None, driver=None, c=cdr.currency: collect(k, org, driver, currency=c)
        )
        for cdr in cdrs
    ]
    accounts = ledger.accounts_get(specs=specs)

    def resolve(spec):
        kind, currency, org, driver = spec
        key = accounts_key(kind, currency, org, driver)
        return accounts[key]

    transactions = LedgerTransaction.objects.bulk_create(
        LedgerTransaction(
            reference=f"cdr:{cdr.pk}",
            kind="cdr_charge",
            occurred_at=cdr.stopped_at,
            description=f"Charge CDR for session {cdr.session_id}",
        )
        for cdr in cdrs
    )
    entries = []
    for ledger_tx, postings, cdr in zip(transactions, planned, cdrs, strict=True):
        lines = [(resolve(spec), amount) for spec, amount in postings if amount]
        if sum((amount for _, amount in lines), ZERO) != 0:
            raise ledger.LedgerError(f"Postings for CDR {cdr.pk} do not balance.")
        entries += [
            Entry(transaction=ledger_tx, account=acc, amount=amount, currency=cdr.currency) for acc, amount in lines
        ]
    ledger.entries_insert(entries)


def accounts_key(kind, currency, org, driver) -> str:
    return Account.make_key(
        kind=kind, organisation_id=org.pk if org else None, driver_id=driver.pk if driver else None, currency=currency
    )
