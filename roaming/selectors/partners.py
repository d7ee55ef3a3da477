from django.db.models import Min

from roaming.credentials_token import header_candidates, token_hash
from roaming.models import Partner

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
