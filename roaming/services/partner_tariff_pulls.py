"""Pulling a partner CPO's Tariffs (we are the EMSP): what its Tariffs Sender changed since
our last pull, page by page, each stored by the same rule as a push (`tariff_put`: its own
party ids only, an older Tariff than we hold changes nothing), so a repeated pull changes
nothing and a missed push is caught up."""

import logging

from django.utils import timezone

from roaming.envelope import OcpiError
from roaming.fields import datetime_format
from roaming.models import Partner
from roaming.services.partner_tariffs import tariff_put
from roaming.services.pushes import partner_client

log = logging.getLogger(__name__)


def tariffs_pull(*, partner: Partner) -> int:
    """How many Tariffs were stored; malformed ones and other parties' are logged and
    skipped. Raises PartnerError when the partner cannot be reached (nothing is marked
    pulled then, so the next pull asks again from the same time)."""
    url = partner.endpoint_url("tariffs", "SENDER")
    if not url or partner.status != Partner.Status.REGISTERED:
        return 0
    started = timezone.now()
    params = {"date_from": datetime_format(partner.tariffs_pulled_at)} if partner.tariffs_pulled_at else None
    stored = 0
    for item in partner_client(partner, from_role="EMSP").get_all(url, params=params):
        ids = item if isinstance(item, dict) else {}
        try:
            tariff_put(
                partner=partner,
                country_code=str(ids.get("country_code", "")),
                party_id=str(ids.get("party_id", "")),
                tariff_id=str(ids.get("id", "")),
                data=item,
            )
        except OcpiError as error:
            log.warning("partner %s: tariff skipped: %s", partner.pk, error.message)
            continue
        stored += 1
    Partner.objects.filter(pk=partner.pk).update(tariffs_pulled_at=started, last_sync_at=timezone.now())
    return stored
