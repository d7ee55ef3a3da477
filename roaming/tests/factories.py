from roaming.credentials_token import token_hash
from roaming.models import Partner, PartnerRole
from roaming.services.partners import partner_token_a_issue
from stations.models import RegistrationStatus
from stations.tests.factories import ChargingStationFactory, ConnectorFactory


def registered_partner(
    *, name="Partner", token="partner-token-c", role="EMSP", country_code="NL", party_id="PAR", endpoints=()
):
    """A registered partner that calls us with `token` (stored hashed, as the handshake would)."""
    partner = Partner.objects.create(
        name=name,
        status=Partner.Status.REGISTERED,
        inbound_token_hash=token_hash(token),
        outbound_token="our-token-at-partner",
        versions_url="http://127.0.0.1:9/ocpi/versions",
        version="2.2.1",
        endpoints=[{"identifier": i, "role": r, "url": u} for i, r, u in endpoints],
    )
    PartnerRole.objects.create(partner=partner, role=role, country_code=country_code, party_id=party_id)
    return partner


def pending_partner(name="Pending partner"):
    """A partner with a fresh token A; returns (partner, token A)."""
    return partner_token_a_issue(name=name)


def public_connector(**kwargs):
    """A connector of an Accepted, connected station on a site: what partners see."""
    station = ChargingStationFactory(registration_status=RegistrationStatus.ACCEPTED, is_connected=True)
    return ConnectorFactory(station=station, status="Available", **kwargs)
