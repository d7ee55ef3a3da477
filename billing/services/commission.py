"""EMSP commission and owner share: who gets what part of the CPO's net revenue."""

from datetime import date
from decimal import Decimal

from django.db.models import Q

from billing.models import CommissionAgreement
from billing.models.settlements import COMMISSION_DEFAULT
from billing.money import money_round


def commission_percent(*, emsp, cpo, on: date) -> Decimal:
    """The EMSP's commission on this CPO's net revenue on `on`: the agreement in force,
    else the default (7.5 %). No EMSP (ad-hoc payment) means no commission."""
    if emsp is None:
        return Decimal("0")
    agreement = (
        CommissionAgreement.objects.filter(emsp=emsp, cpo=cpo, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from")
        .first()
    )
    return agreement.percent if agreement else COMMISSION_DEFAULT


def owner_share_percent(*, agreement, operator) -> Decimal:
    """The owner's share of net revenue under the operating agreement; nothing when the
    operator runs its own stations (no separate owner to pay)."""
    if agreement is None or agreement.owner_id == operator.pk:
        return Decimal("0")
    return agreement.revenue_share_percent


def share_of(*, net: Decimal, percent: Decimal, currency: str) -> Decimal:
    return money_round(net * percent / 100, currency)
