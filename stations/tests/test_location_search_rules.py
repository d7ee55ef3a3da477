"""The search's open-now filter (SQL, one condition per time zone) and the open flag each
result shows (Python, `site_is_open`) are one rule: property-based, over opening hours that
run past midnight, several time zones and any moment of the week."""

from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from stations.models import OpeningHours
from stations.selectors.locations import LocationQuery, locations_search, site_is_open
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
# From Monday 2 March 2026, over New York's change to summer time. Quarter hours, so that a moment often falls exactly on an opening or closing time.
quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
interval = st.tuples(st.integers(0, 6), quarter_hours, quarter_hours).filter(lambda i: i[1] != i[2])
intervals = st.lists(interval, max_size=4)
sites = st.lists(st.tuples(st.sampled_from(ZONES), st.booleans(), intervals), min_size=1, max_size=4)
moments = st.builds(
    lambda minutes: datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=minutes),
    st.integers(0, 8 * 24 * 4).map(lambda q: q * 15),
)


class OpenNowIsOneRuleTests(TestCase):
    @settings(
        max_examples=40,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(sites, moments)
    def test_the_open_now_filter_keeps_exactly_the_sites_shown_open(self, layout, at):
        for zone, always_open, hours in layout:
            site = SiteFactory(time_zone=zone, is_open_24_7=always_open)
            ConnectorFactory(station=ChargingStationFactory(site=site))
            OpeningHours.objects.bulk_create(
                OpeningHours(site=site, weekday=day, opens_at=opens, closes_at=closes) for day, opens, closes in hours
            )
        shown_open = {
            site.pk
            for site in locations_search(query=LocationQuery(), at=at)
            if site_is_open(site=site, hours=site.public_opening_hours, at=at)
        }
        filtered = {site.pk for site in locations_search(query=LocationQuery(open_now=True), at=at)}
        assert filtered == shown_open
