"""The credentials handshake, both ways (OCPI 2.2.1 "Credentials" module).

As Receiver: staff issue token A (`partner_token_a_issue`) and hand it, with our versions URL,
to the partner out of band; the partner POSTs its credentials (token B) with A; we fetch its
versions with B and answer with token C (`credentials_accept`).
As Sender: staff enter the partner's versions URL and its token A; `partner_register` fetches
its versions with A, POSTs our credentials with a new token B and keeps the C it answers.
Either side may later PUT new credentials (update) or DELETE them (unregister)."""

import logging

from django.db import transaction
from django.utils import timezone

from roaming import parties, schemas, tasks
from roaming.client import PartnerClient, PartnerError
from roaming.credentials_token import token_generate, token_hash
from roaming.envelope import OcpiError, Status
from roaming.models import Partner, PartnerRole

log = logging.getLogger(__name__)


class RegistrationError(Exception):
    """The partner cannot be registered; `status` is the OCPI code that says why."""

    def __init__(self, status: Status, message: str):
        super().__init__(message)
        self.status = status


def our_credentials(*, token: str) -> dict:
    return {"token": token, "url": parties.versions_url(), "roles": parties.our_roles()}


def partner_token_a_issue(*, partner: Partner | None = None, name: str = "") -> tuple[Partner, str]:
    """A new token A for a new partner (or one to register again). Returns the plain token,
    which is shown once: only its hash is kept. A previous token of the partner stops working."""
    token = token_generate()
    if partner is None:
        partner = Partner(name=name)
    partner.inbound_token_hash = token_hash(token)
    partner.inbound_token_is_a = True
    partner.status = Partner.Status.PENDING
    partner.save()
    return partner, token


def versions_discover(*, versions_url: str, token: str) -> tuple[str, list[dict]]:
    """Our common version with the partner and its endpoints there (RegistrationError if none)."""
    client = PartnerClient(token=token)
    try:
        versions, _ = client.call("GET", versions_url, functional=False)
        versions = [schemas.VERSION.clean(item, "versions[]") for item in versions or []]
    except (PartnerError, OcpiError) as error:
        raise RegistrationError(Status.CLIENT_API_UNUSABLE, f"versions: {error}") from error
    details_url = next((item["url"] for item in versions if item["version"] == parties.VERSION), None)
    if details_url is None:
        raise RegistrationError(Status.UNSUPPORTED_VERSION, f"the partner offers no version {parties.VERSION}")
    try:
        details, _ = client.call("GET", details_url, functional=False)
        details = schemas.VERSION_DETAILS.clean(details, "version details")
    except (PartnerError, OcpiError) as error:
        raise RegistrationError(Status.CLIENT_API_UNUSABLE, f"version details: {error}") from error
    endpoints = details["endpoints"]
    if not any(endpoint["identifier"] == "credentials" for endpoint in endpoints):
        raise RegistrationError(Status.NO_MATCHING_ENDPOINTS, "the partner has no credentials endpoint")
    return parties.VERSION, endpoints


def _roles_replace(*, partner: Partner, roles: list[dict]) -> None:
    partner.roles.all().delete()
    PartnerRole.objects.bulk_create(
        PartnerRole(
            partner=partner,
            role=role["role"],
            country_code=role["country_code"].upper(),
            party_id=role["party_id"].upper(),
            business_name=role["business_details"]["name"],
        )
        for role in roles
    )


def credentials_accept(*, partner: Partner, credentials: dict, update: bool) -> dict:
    """The partner POSTed (update=False) or PUT (update=True) its credentials: fetch its
    endpoints with its token and answer with a new token for it. Raises OcpiError with 405
    in the wrong registration state, 2001 for a malformed object, 3001-3003 when the
    partner's API cannot be used; nothing is stored then."""
    registered = partner.status == Partner.Status.REGISTERED
    if registered != update:
        state = "already registered" if registered else "not registered"
        raise OcpiError(Status.CLIENT_ERROR, f"The client is {state}.", http_status=405)
    credentials = schemas.CREDENTIALS.clean(credentials, "")
    try:
        version, endpoints = versions_discover(versions_url=credentials["url"], token=credentials["token"])
    except RegistrationError as error:
        raise OcpiError(error.status, str(error)) from error
    token = token_generate()
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        if (partner.status == Partner.Status.REGISTERED) != update:
            raise OcpiError(Status.CLIENT_ERROR, "The registration changed meanwhile.", http_status=405)
        _registration_store(partner=partner, credentials=credentials, version=version, endpoints=endpoints)
        partner.inbound_token_hash = token_hash(token)
        partner.inbound_token_is_a = False
        partner.save()
        # Sent once this commits (the task class); the partner already accepts its token B.
        tasks.registration_push.delay(partner.pk)
    return our_credentials(token=token)


def _registration_store(*, partner: Partner, credentials: dict, version: str, endpoints: list[dict]) -> None:
    now = timezone.now()
    partner.outbound_token = credentials["token"]
    partner.versions_url = credentials["url"]
    partner.version = version
    partner.endpoints = endpoints
    partner.status = Partner.Status.REGISTERED
    partner.registered_at = partner.registered_at or now
    partner.last_sync_at = now
    if not partner.name:
        partner.name = credentials["roles"][0]["business_details"]["name"]
    _roles_replace(partner=partner, roles=credentials["roles"])


def partner_register(*, partner: Partner) -> Partner:
    """Register with (or, once registered, update our credentials at) the partner whose
    versions URL and token (its A, later its C) staff entered. Raises RegistrationError."""
    version, endpoints = versions_discover(versions_url=partner.versions_url, token=partner.outbound_token)
    credentials_url = next(endpoint["url"] for endpoint in endpoints if endpoint["identifier"] == "credentials")
    update = partner.status == Partner.Status.REGISTERED
    token = token_generate()
    # The partner calls our versions endpoint with the new token while our POST is open, so
    # the token must be committed before we send it. Until then the old one still works.
    previous_hash, previous_is_a = partner.inbound_token_hash, partner.inbound_token_is_a
    Partner.objects.filter(pk=partner.pk).update(inbound_token_hash=token_hash(token), inbound_token_is_a=False)
    client = PartnerClient(token=partner.outbound_token)
    try:
        answer, _ = client.call(
            "PUT" if update else "POST", credentials_url, json=our_credentials(token=token), functional=False
        )
        answer = schemas.CREDENTIALS.clean(answer, "credentials")
    except (PartnerError, OcpiError) as error:
        Partner.objects.filter(pk=partner.pk).update(inbound_token_hash=previous_hash, inbound_token_is_a=previous_is_a)
        raise RegistrationError(Status.CLIENT_API_UNUSABLE, f"credentials: {error}") from error
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        _registration_store(
            partner=partner, credentials={**answer, "url": partner.versions_url}, version=version, endpoints=endpoints
        )
        partner.save()
        tasks.registration_push.delay(partner.pk)
    return partner


def partner_unregister(*, partner: Partner, notify: bool = True) -> Partner:
    """End the roaming with the partner: with notify, DELETE our credentials at the partner
    first (PartnerError if it refuses); either way neither token works any more."""
    if notify and partner.status == Partner.Status.REGISTERED:
        credentials_url = partner.endpoint_url("credentials", "RECEIVER") or partner.endpoint_url(
            "credentials", "SENDER"
        )
        if credentials_url:
            PartnerClient(token=partner.outbound_token).call("DELETE", credentials_url, functional=False)
    Partner.objects.filter(pk=partner.pk).update(
        status=Partner.Status.UNREGISTERED, inbound_token_hash=None, inbound_token_is_a=False, outbound_token=""
    )
    partner.refresh_from_db()
    return partner
