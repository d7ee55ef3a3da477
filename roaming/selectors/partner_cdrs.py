"""Partner CPOs' CDRs for our drivers (we are the EMSP) as charges on the driver's monthly
invoice (the partner's price plus our markup, the partner's or OCPI_ROAMING_MARKUP_PERCENT, at the VAT rate
the partner charged) and as items of the partner's monthly settlement statement (what we
owe it, less our commission); and our own CDRs of partner EMSPs' tokens as items of the
partner EMSP's statement (what it owes us, less its commission)."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from billing.models import ChargeDetailRecord
from billing.money import ZERO, money_round
from billing.services.invoices import ForeignCharge
from billing.services.settlements import ForeignSettlementItem
from roaming.models import CdrPush, PartnerCdr, PartnerToken
from stations.models import Organisation


def partner_cdr_charges(*, issuer: Organisation, end: datetime) -> list[ForeignCharge]:
    """Every partner CDR of a driver whose EMSP is `issuer`, stopped before `end` (billing
    leaves out those already invoiced)."""
    cdrs = (
        PartnerCdr.objects.filter(token__driver__emsp=issuer, stopped_at__lt=end)
        .select_related("partner", "token")
        .order_by("stopped_at", "pk")
    )
    return [partner_cdr_charge(cdr) for cdr in cdrs]


def partner_cdr_charge(cdr: PartnerCdr) -> ForeignCharge:
    currency = cdr.currency
    partner_net = Decimal(cdr.total_excl_vat)
    # A credit CDR gives money back, whichever sign the partner wrote its amounts with.
    sign = -1 if cdr.credit else 1
    rate = ZERO
    if cdr.total_incl_vat is not None and partner_net:
        rate = ((Decimal(cdr.total_incl_vat) - partner_net) / partner_net * 100).quantize(Decimal("0.01"))
    markup = partner_cdr_markup(cdr)
    net = sign * money_round(abs(partner_net) * (1 + markup / 100), currency)
    vat = money_round(net * rate / 100, currency)
    label = "Correction" if cdr.credit else "Charging"
    return ForeignCharge(
        reference=f"partner-cdr:{cdr.pk}",
        driver_id=cdr.token.driver_id,
        currency=currency,
        description=f"{label} {cdr.started_at:%Y-%m-%d %H:%M} UTC at {cdr.partner.name}, {cdr.energy_kwh:.3f} kWh",
        energy_wh=int(Decimal(cdr.energy_kwh) * 1000),
        amount_excl_vat=net,
        vat=vat,
        vat_rate=rate,
    )


def partner_cdr_markup(cdr: PartnerCdr) -> Decimal:
    """Our markup on the CDR: as the agreement stood when it arrived (older rows: as it stands)."""
    if cdr.markup_percent is not None:
        return cdr.markup_percent
    return partner_markup(cdr.partner)


def partner_markup(partner) -> Decimal:
    """The partner agreement's markup, or the network-wide one when it sets none."""
    return partner.markup_percent if partner.markup_percent is not None else settings.OCPI_ROAMING_MARKUP_PERCENT


def partner_cdr_commission_percent(cdr: PartnerCdr) -> Decimal:
    if cdr.commission_percent is not None:
        return cdr.commission_percent
    return cdr.partner.commission_percent


def partner_cpo_organisations():
    """The organisations partner CPOs are settled as (their agreement names one)."""
    return Organisation.objects.filter(roaming_partners__cdrs__isnull=False).distinct()


def partner_cdr_settlement_items(*, party: Organisation, end: datetime) -> list[ForeignSettlementItem]:
    """What we owe `party` for its CDRs stopped before `end`: the partner's totals, less our
    commission on the amount excl. VAT; a credit CDR counts negative."""
    cdrs = (
        PartnerCdr.objects.filter(partner__organisation=party, stopped_at__lt=end)
        .select_related("partner")
        .order_by("stopped_at", "pk")
    )
    return [partner_cdr_item(cdr) for cdr in cdrs]


def partner_cdr_item(cdr: PartnerCdr) -> ForeignSettlementItem:
    sign = -1 if cdr.credit else 1
    net = sign * money_round(abs(Decimal(cdr.total_excl_vat)), cdr.currency)
    incl = net if cdr.total_incl_vat is None else sign * money_round(abs(Decimal(cdr.total_incl_vat)), cdr.currency)
    return ForeignSettlementItem(
        reference=f"partner-cdr:{cdr.pk}",
        currency=cdr.currency,
        stopped_at=cdr.stopped_at,
        label=f"{cdr.country_code}-{cdr.party_id} {(cdr.data.get('cdr_location') or {}).get('id', '')}".strip(),
        credit=cdr.credit,
        energy_wh=sign * int(abs(Decimal(cdr.energy_kwh)) * 1000),
        net=net,
        vat=incl - net,
        commission=money_round(net * partner_cdr_commission_percent(cdr) / 100, cdr.currency),
    )


def partner_emsp_organisations():
    """The organisations partner EMSPs are settled as (their agreement names one)."""
    return Organisation.objects.filter(roaming_partners__tokens__isnull=False).distinct()


def our_cdrs_of_party(*, party: Organisation, end: datetime):
    """Our billable CDRs (credits too) of `party`'s tokens that stopped before `end`."""
    uids = Q()
    for uid in PartnerToken.objects.filter(partner__organisation=party).values_list("uid", flat=True):
        uids |= Q(id_tag__iexact=uid)
    if not uids:
        return ChargeDetailRecord.objects.none()
    return ChargeDetailRecord.objects.billable().filter(uids, stopped_at__lt=end)


def our_cdr_settlement_items(*, party: Organisation, end: datetime) -> list[ForeignSettlementItem]:
    """What `party` owes us for our billable CDRs (credits negative) of its tokens stopped
    before `end`, less the commission its agreement gave it when the CDR became its (kept on
    the CDR's push row, which the statement run's posting makes for every such CDR)."""
    pushes = (
        CdrPush.objects.filter(cdr__in=our_cdrs_of_party(party=party, end=end))
        .select_related("cdr__station", "partner")
        .order_by("cdr__stopped_at", "cdr_id")
    )
    return [our_cdr_item(push) for push in pushes]


def our_cdr_commission_percent(push: CdrPush) -> Decimal:
    return push.commission_percent if push.commission_percent is not None else push.partner.commission_percent


def our_cdr_item(push: CdrPush) -> ForeignSettlementItem:
    cdr = push.cdr
    return ForeignSettlementItem(
        reference=f"cdr:{cdr.pk}",
        cdr_id=cdr.pk,
        currency=cdr.currency,
        stopped_at=cdr.stopped_at,
        label=cdr.station.identity,
        credit=cdr.kind == ChargeDetailRecord.Kind.CREDIT,
        energy_wh=cdr.energy_wh,
        net=cdr.total_excl_vat,
        vat=cdr.total_vat,
        commission=money_round(cdr.total_excl_vat * our_cdr_commission_percent(push) / 100, cdr.currency),
    )
