"""The `tariff` of each location in the API's `locations/` (served by stations.api.locations,
which may not import billing: billing.apps registers `site_tariff_snapshots` there)."""

from datetime import datetime

from billing.selectors.locations import public_site_tariffs
from billing.services.tariffs import tariff_snapshot


def site_tariff_snapshots(*, site_ids: list[int], at: datetime) -> dict[int, dict]:
    """{site id: the public tariff in force at `at`, in OCPI shape} for a page of sites."""
    tariffs = public_site_tariffs(site_ids=site_ids, at=at)
    return {site_id: tariff_snapshot(tariff=tariff) for site_id, tariff in tariffs.items()}
