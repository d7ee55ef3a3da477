from decimal import Decimal

from django.db.models import Min, Sum

from billing.models import Account, Entry
from billing.money import stored_sum
from roaming.credentials_token import header_candidates, token_hash
from roaming.models import Partner

PARTNER_KINDS = (Account.Kind.PARTNER_PAYABLE, Account.Kind.PARTNER_RECEIVABLE)
# The model's default: net 30.
DEFAULT_PAYMENT_DAYS = Partner._meta.get_field("payment_terms_days").default


def partner_by_authorization(*, header: str) -> Partner | None:
    """The partner whose credentials token the Authorization header carries, if any."""
    for token in header_candidates(header):
        partner = Partner.objects.filter(inbound_token_hash=token_hash(token)).first()
        if partner is not None:
            return partner
    return None


def partner_payment_days(*, party) -> int:
    """The payment terms (net days) of the agreement with the organisation `party`; when it
    holds several partner rows (one per platform), the shortest terms."""
    days = Partner.objects.filter(organisation=party).aggregate(days=Min("payment_terms_days"))["days"]
    return DEFAULT_PAYMENT_DAYS if days is None else days


def partner_balances(*, partner: Partner) -> list[tuple[str, str, Decimal]]:
    """(account kind's name, currency, balance) of the partner organisation's payable and
    receivable accounts: what we owe it (negative payable) and what it owes us."""
    if partner.organisation_id is None:
        return []
    rows = (
        Entry.objects.filter(account__organisation_id=partner.organisation_id, account__kind__in=PARTNER_KINDS)
        .values("account__kind", "currency")
        .annotate(total=Sum("amount"))
        .order_by("account__kind", "currency")
    )
    return [(Account.Kind(row["account__kind"]).label, row["currency"], stored_sum(row["total"])) for row in rows]
