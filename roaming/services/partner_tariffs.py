"""Partner CPOs' Tariffs (we are the EMSP, Tariffs Receiver): PUT stores the whole Tariff
(an older one than we hold changes nothing), DELETE removes it."""

from django.db import transaction

from roaming import schemas
from roaming.envelope import OcpiError, Status
from roaming.models import Partner, PartnerTariff
from roaming.services.tokens import token_owned


def tariff_put(*, partner: Partner, country_code: str, party_id: str, tariff_id: str, data) -> bool:
    """True when created. Raises OcpiError 2001 for a malformed Tariff or ids that differ."""
    token_owned(partner, country_code=country_code, party_id=party_id)
    tariff = schemas.TARIFF.clean(data, "tariff")
    key = {"country_code": country_code.upper(), "party_id": party_id.upper(), "tariff_id": tariff_id}
    if (tariff["country_code"].upper(), tariff["party_id"].upper(), tariff["id"]) != tuple(key.values()):
        raise OcpiError(Status.INVALID_PARAMETERS, "The tariff's ids differ from the URL's.")
    with transaction.atomic():
        held = PartnerTariff.objects.select_for_update().filter(**key).first()
        if held and held.last_updated > tariff["last_updated"]:
            return False
        values = {"partner": partner, "currency": tariff["currency"], "data": data,
                  "last_updated": tariff["last_updated"]}  # fmt: skip
        _, created = PartnerTariff.objects.update_or_create(**key, defaults=values)
    return created


def tariff_delete(*, partner: Partner, country_code: str, party_id: str, tariff_id: str) -> None:
    token_owned(partner, country_code=country_code, party_id=party_id)
    deleted, _ = PartnerTariff.objects.filter(
        partner=partner, country_code=country_code.upper(), party_id=party_id.upper(), tariff_id=tariff_id
    ).delete()
    if not deleted:
        raise OcpiError(Status.CLIENT_ERROR, f"Unknown tariff {tariff_id}.", http_status=404)
