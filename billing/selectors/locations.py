"""Tariffs for the public location search: one query for a page of sites."""

from datetime import datetime

from django.db.models import Q

from billing.models import Tariff


def public_site_tariffs(*, site_ids: list[int], at: datetime) -> dict[int, Tariff]:
    """The public (non-member) tariff in force at `at` attached to each site, by site id;
    when several are valid, the one that started last. Station- and connector-level
    tariffs are not considered here (see tariff_in_force for one station)."""
    valid = Q(valid_from__lte=at) & (Q(valid_until__isnull=True) | Q(valid_until__gt=at))
    tariffs = (
        Tariff.objects.filter(valid, site_id__in=site_ids, membership_plan__isnull=True)
        .order_by("site_id", "-valid_from", "-pk")
        .prefetch_related("elements__components")
    )
    by_site: dict[int, Tariff] = {}
    for tariff in tariffs:
        by_site.setdefault(tariff.site_id, tariff)
    return by_site
