from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from billing.models import ChargeDetailRecord
from drivers.models import Driver, Token
from stations.models import ChargingSession, ChargingStation, Connector, ConnectorUptimeDay, Organisation, Site

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Organisation,
            Site,
            ChargingStation,
            Connector,
            Driver,
            Token,
            get_user_model(),
            ChargingSession,
            ChargeDetailRecord,
            ConnectorUptimeDay,
        )
    }


def test_demo_network_is_realistic_and_loading_twice_creates_nothing_new():
    # A short history keeps the test quick; `make run` loads 90 days the same way.
    call_command("load_demo_data", history_days=4, stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    call_command("load_demo_data", history_days=4, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first

    assert Organisation.objects.filter(is_owner=True).count() >= 2
    assert Organisation.objects.filter(is_operator=True, is_emsp=True).count() >= 1
    assert Site.objects.count() >= 10
    assert len(set(Site.objects.values_list("time_zone", flat=True))) >= 2
    assert ChargingStation.objects.count() >= 30
    per_station = Counter(Connector.objects.values_list("station_id", flat=True))
    assert set(per_station.values()) <= {1, 2, 3, 4}
    powers = Connector.objects.values_list("max_power_kw", flat=True)
    assert min(powers) == Decimal("7.4")
    assert max(powers) == Decimal("350")
    assert Driver.objects.count() >= 20
    assert all(driver.tokens.exists() for driver in Driver.objects.all())
    assert not Driver.objects.filter(email_verified_at__isnull=True).exists(), "demo drivers can charge at once"
    assert ChargingStation.objects.filter(password_hash="").count() == 0

    # A history for uptime, the calendar and analytics.
    sessions = ChargingSession.objects.filter(status=ChargingSession.Status.COMPLETED)
    assert sessions.count() >= 30
    assert ChargeDetailRecord.objects.filter(session__in=sessions).count() == sessions.count()
    # Uptime computed for each past day.
    assert ConnectorUptimeDay.objects.values("day").distinct().count() >= 4
    assert ConnectorUptimeDay.objects.filter(up_seconds__gt=0).exists()
    hours = {session.started_at.hour for session in sessions}
    assert len(hours) > 6, "sessions spread over the day"
