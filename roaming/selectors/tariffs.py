"""Our public tariffs (the ones billing prices with) as OCPI 2.2.1 Tariff objects, and which
tariff each connector is priced with now (a Connector's `tariff_ids`)."""

from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from billing.models import Tariff
from billing.selectors.tariffs import tariff_in_force
from billing.services.tariffs import tariff_snapshot
from roaming import parties
from roaming.fields import datetime_format
from stations.models import RegistrationStatus

TIMES = ("start_time", "end_time")
DATES = ("start_date", "end_date")
WHOLE = ("min_duration", "max_duration")


def ocpi_tariffs() -> QuerySet[Tariff]:
    """Public tariffs (no membership plan) in force now or later, on public equipment,
    with `last_updated` (tariffs are replaced, not edited, so their creation)."""
    now = timezone.now()
    public = (
        Q(site__stations__registration_status=RegistrationStatus.ACCEPTED)
        | Q(station__registration_status=RegistrationStatus.ACCEPTED, station__site__isnull=False)
        | Q(connector__station__registration_status=RegistrationStatus.ACCEPTED, connector__station__site__isnull=False)
    )
    ids = Tariff.objects.filter(public, membership_plan__isnull=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )
    return (
        Tariff.objects.filter(pk__in=ids.values("pk"))
        .prefetch_related("elements__components")
        .annotate(last_updated=F("created_at"))
    )


def connector_tariff_ids(*, station, connector) -> list[str]:
    tariff = tariff_in_force(station=station, connector=connector, at=timezone.now())
    return [str(tariff.pk)] if tariff is not None and tariff.membership_plan_id is None else []


def _number(value):
    return None if value is None else float(Decimal(value))


def _restrictions(restrictions: dict) -> dict:
    converted = {}
    for name, value in restrictions.items():
        if name in TIMES:
            converted[name] = value[:5]
        elif name in DATES or name in ("day_of_week", "reservation"):
            converted[name] = value
        elif name in WHOLE:
            converted[name] = int(value)
        else:
            converted[name] = _number(value)
    return converted


def tariff_object(tariff: Tariff) -> dict:
    """OCPI wants numbers where billing keeps Decimal text: converted here, at the edge."""
    country_code, party_id = parties.our_party("CPO")
    snapshot = tariff_snapshot(tariff=tariff)
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": str(tariff.pk),
        "currency": tariff.currency,
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "en", "text": tariff.name[:512]}],
        "elements": [
            {
                "price_components": [
                    {
                        "type": component["type"],
                        "price": _number(component["price"]),
                        **({"vat": _number(component["vat"])} if component["vat"] is not None else {}),
                        "step_size": component["step_size"],
                    }
                    for component in element["price_components"]
                ],
                **({"restrictions": _restrictions(element["restrictions"])} if element["restrictions"] else {}),
            }
            for element in snapshot["elements"]
        ],
        "start_date_time": datetime_format(tariff.valid_from),
        "last_updated": datetime_format(tariff.created_at),
    }
    if tariff.valid_until:
        body["end_date_time"] = datetime_format(tariff.valid_until)
    for bound in ("min_price", "max_price"):
        excl = snapshot[bound]["excl_vat"]
        if excl is not None:
            body[bound] = {"excl_vat": _number(excl)}
            if snapshot[bound]["incl_vat"] is not None:
                body[bound]["incl_vat"] = _number(snapshot[bound]["incl_vat"])
    return body
