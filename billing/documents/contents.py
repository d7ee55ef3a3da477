"""What a legal invoice says (EU VAT Directive art. 226), gathered once from the immutable
records, so that the PDF and its Factur-X XML cannot disagree."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from billing.documents import labels
from billing.models import BillingAccount, ChargeDetailRecord, Invoice, SepaMandate
from billing.money import ZERO, money_round

# Invoices issued before due dates were recorded: the terms they were issued under.
DEFAULT_PAYMENT_TERMS_DAYS = 14
# Stripe's payment method type for a SEPA direct debit (BillingAccount.payment_method_type).
SEPA_DEBIT = "sepa_debit"
UNITS = {
    "ENERGY": ("kWh", Decimal(1000)),
    "TIME": ("h", Decimal(3600)),
    "PARKING_TIME": ("h", Decimal(3600)),
    "RESERVATION_TIME": ("h", Decimal(3600)),
}


@dataclass
class Party:
    name: str
    address: str
    postal_code: str
    city: str
    country: str
    vat_number: str = ""
    registration: str = ""
    email: str = ""
    contact: str = ""  # a business buyer's person

    def lines(self) -> list[str]:
        rows = [self.name] + ([self.contact] if self.contact else [])
        rows += [self.address, f"{self.postal_code} {self.city}".strip(), self.country]
        return [row for row in rows if row]


@dataclass
class Component:
    key: str  # a label key: ENERGY, TIME, PARKING_TIME, FLAT, discount, price_cap, membership
    quantity: Decimal
    unit: str
    unit_price: Decimal
    net: Decimal
    vat_rate: Decimal
    vat: Decimal = ZERO


@dataclass
class Line:
    position: int
    description: str
    kind: str  # a label key: charging, correction or membership
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_parts: list[tuple[Decimal, Decimal, Decimal]]  # (rate, base, vat), rounded to the cent
    site_name: str = ""
    site_address: str = ""
    started_local: datetime | None = None
    stopped_local: datetime | None = None
    energy_wh: int = 0
    seconds: int = 0
    components: list[Component] = field(default_factory=list)


@dataclass
class InvoiceContents:
    invoice: Invoice
    language: str
    seller: Party
    buyer: Party
    issue_date: date
    due_date: date
    payment_method: str  # card, sepa_debit, wallet or transfer
    card_text: str
    lines: list[Line]
    vat_totals: list[tuple[Decimal, Decimal, Decimal]]
    corrected_number: str = ""
    corrected_date: date | None = None
    # SEPA direct debit (EN 16931 BG-19): the mandate reference (BT-89) and the seller's
    # creditor identifier (BT-90) the debit is collected under.
    mandate_reference: str = ""
    creditor_id: str = ""


def invoice_contents(*, invoice: Invoice) -> InvoiceContents:
    issuer, driver = invoice.issuer, invoice.driver
    zone = ZoneInfo(issuer.time_zone)
    issue_date = invoice.issued_at.astimezone(zone).date()
    account = BillingAccount.objects.filter(driver=driver).first()
    method, card_text, mandate_reference = "transfer", "", ""
    if account and account.mode == BillingAccount.Mode.WALLET:
        method = "wallet"
    elif account and account.stripe_payment_method_id and account.payment_method_type == SEPA_DEBIT:
        method = SEPA_DEBIT
        mandate = account.sepa_mandates.filter(status=SepaMandate.Status.ACTIVE).first()
        if mandate is not None:
            mandate_reference = mandate.stripe_mandate_id or mandate.setup_intent_id
            card_text = f"IBAN {mandate.iban_country}…{mandate.iban_last4}" if mandate.iban_last4 else ""
    elif account and account.stripe_payment_method_id:
        method, card_text = "card", " ".join(part for part in (account.card_brand, account.card_last4) if part)
    person = driver.user.get_full_name() or driver.email
    buyer = Party(
        name=driver.company_name or person,
        contact=person if driver.company_name else "",
        address=driver.address,
        postal_code=driver.postal_code,
        city=driver.city,
        country=driver.country,
        vat_number=driver.vat_number,
        email=driver.email,
    )
    seller = Party(
        name=issuer.name,
        address=issuer.address,
        postal_code=issuer.postal_code,
        city=issuer.city,
        country=issuer.country,
        vat_number=issuer.vat_number,
        registration=issuer.registration,
        email=issuer.billing_email,
    )
    invoice_lines = invoice.lines.select_related(
        "cdr__site", "cdr__station__site", "membership_fee__subscription__plan", "reservation_charge__station__site"
    ).order_by("position")
    lines = [_line(line, invoice.currency) for line in invoice_lines]
    corrected = invoice.credits
    return InvoiceContents(
        invoice=invoice,
        language=labels.document_language(driver.preferred_language),
        seller=seller,
        buyer=buyer,
        issue_date=issue_date,
        due_date=invoice.due_date or issue_date + timedelta(days=DEFAULT_PAYMENT_TERMS_DAYS),
        payment_method=method,
        card_text=card_text,
        lines=lines,
        vat_totals=[
            (Decimal(part["rate"]), _cents(part["base"], invoice.currency), _cents(part["vat"], invoice.currency))
            for part in invoice.vat_breakdown
        ],
        corrected_number=corrected.number if corrected else "",
        corrected_date=corrected.issued_at.astimezone(zone).date() if corrected else None,
        mandate_reference=mandate_reference,
        creditor_id=issuer.sepa_creditor_id if method == SEPA_DEBIT else "",
    )


def _cents(value, currency: str) -> Decimal:
    """Stored amounts as printed: billing's one rounding rule, to the currency's places."""
    return money_round(Decimal(value), currency)


def _line(line, currency: str) -> Line:
    parts = [(Decimal(p["rate"]), _cents(p["base"], currency), _cents(p["vat"], currency)) for p in line.vat_breakdown]
    result = Line(
        position=line.position,
        description=line.description,
        kind="membership",
        net=_cents(line.amount_excl_vat, currency),
        vat=_cents(line.vat, currency),
        gross=_cents(line.amount_incl_vat, currency),
        vat_parts=parts,
    )
    if line.cdr_id:
        _add_charging(result, line.cdr)
    elif line.reservation_charge_id:
        _add_reservation(result, line.reservation_charge, currency)
    elif line.membership_fee_id:
        fee = line.membership_fee
        result.description = f"{fee.subscription.plan.name}, {fee.period_start:%m/%Y}"
        rate = parts[0][0] if parts else ZERO
        result.components = [Component("membership", Decimal(1), "", result.net, result.net, rate, result.vat)]
    return result


def _add_charging(result: Line, cdr: ChargeDetailRecord) -> None:
    site = cdr.site or cdr.station.site
    zone = ZoneInfo(site.time_zone if site else settings.TIME_ZONE)
    result.site_name = f"{site.name} ({cdr.station.identity})" if site else cdr.station.identity
    if site:
        result.site_address = f"{site.address}, {site.postal_code} {site.city}, {site.country}"
    result.started_local = cdr.started_at.astimezone(zone)
    result.stopped_local = cdr.stopped_at.astimezone(zone)
    result.energy_wh = cdr.energy_wh
    result.seconds = int((cdr.stopped_at - cdr.started_at).total_seconds())
    sign = -1 if cdr.kind == ChargeDetailRecord.Kind.CREDIT else 1
    result.kind = "correction" if sign < 0 else "charging"
    default_rate = result.vat_parts[0][0] if result.vat_parts else ZERO
    components = _period_components(cdr.periods, cdr.currency, sign, default_rate)
    if cdr.discount_excl_vat:
        discount = -_cents(cdr.discount_excl_vat, cdr.currency) * sign
        components.append(Component("discount", Decimal(1), "", discount, discount, default_rate))
    _close_components(result, components, default_rate, cdr.currency)


def _add_reservation(result: Line, charge, currency: str) -> None:
    """An expired reservation: where and from when to when it held the charger."""
    station = charge.station
    site = station.site
    zone = ZoneInfo(site.time_zone if site else settings.TIME_ZONE)
    held_from, held_to = charge.reserved_from.astimezone(zone), charge.expired_at.astimezone(zone)
    result.kind = "reservation"
    place = f"{site.name} ({station.identity})" if site else station.identity
    result.description = f"{place}, {held_from:%Y-%m-%d %H:%M} – {held_to:%Y-%m-%d %H:%M} {held_to:%Z} ({zone})"
    default_rate = result.vat_parts[0][0] if result.vat_parts else ZERO
    _close_components(result, _period_components(charge.periods, currency, 1, default_rate), default_rate, currency)


def _period_components(periods: list[dict], currency: str, sign: int, default_rate: Decimal) -> list[Component]:
    grouped: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for period in periods:
        rate = Decimal(period["vat_rate"]) if period.get("vat_rate") is not None else default_rate
        key = (period["dimension"], Decimal(period["price"]), rate)
        grouped[key][0] += Decimal(period["volume"])
        grouped[key][1] += Decimal(period["amount"])
    components = []
    for (dimension, price, rate), (volume, amount) in grouped.items():
        unit, divisor = UNITS.get(dimension, ("", Decimal(1)))
        quantity = (volume / divisor).quantize(Decimal("0.001"))
        components.append(Component(dimension, quantity * sign, unit, price, _cents(amount, currency) * sign, rate))
    return components


def _close_components(result: Line, components: list[Component], default_rate: Decimal, currency: str) -> None:
    remainder = result.net - sum((c.net for c in components), ZERO)
    if remainder and components:
        # A minimum or maximum price moved the total away from the sum of its components.
        components.append(Component("price_cap", Decimal(1), "", remainder, remainder, default_rate))
    _allocate_vat(components, result.vat_parts, currency)
    result.components = components


def _allocate_vat(components: list[Component], vat_parts, currency: str) -> None:
    """Each component's VAT, rounded, with the cent differences on the last one of its
    rate, so that the components' VAT adds up to the line's."""
    for rate, _, part_vat in vat_parts:
        same_rate = [c for c in components if c.vat_rate == rate]
        for component in same_rate:
            component.vat = money_round(component.net * rate / 100, currency)
        if same_rate:
            same_rate[-1].vat += part_vat - sum((c.vat for c in same_rate), ZERO)
