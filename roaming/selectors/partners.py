from roaming.credentials_token import header_candidates, token_hash
from roaming.models import Partner


def partner_by_authorization(*, header: str) -> Partner | None:
    """The partner whose credentials token the Authorization header carries, if any."""
    for token in header_candidates(header):
        partner = Partner.objects.filter(inbound_token_hash=token_hash(token)).first()
        if partner is not None:
            return partner
    return None
