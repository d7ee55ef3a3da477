"""`provision_bench_stations`: a benchmark fleet in bulk, each station with its own
password, safe to run again."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from config import bench_fleet
from drivers.models import Token
from stations import passwords
from stations.models import ChargingStation, Connector, Site

pytestmark = pytest.mark.django_db


def provision(**options) -> str:
    out = StringIO()
    call_command("provision_bench_stations", stdout=out, **options)
    return out.getvalue()


def test_creates_stations_with_connectors_sites_and_a_valid_token_per_connector():
    provision(count=5, connectors=2, stations_per_site=2)
    stations = ChargingStation.objects.filter(identity__startswith="BENCH-")
    assert sorted(stations.values_list("identity", flat=True)) == [f"BENCH-00000{n}" for n in range(1, 6)]
    assert Connector.objects.filter(station__in=stations).count() == 10
    assert Site.objects.filter(stations__in=stations).distinct().count() == 3
    assert all(station.site_id and station.agreement_id and station.owner_id for station in stations)
    tags = [bench_fleet.id_tag(f"BENCH-00000{n}", connector) for n in range(1, 6) for connector in (1, 2)]
    tokens = Token.objects.filter(uid__in=tags)
    assert tokens.count() == 10
    assert {(token.status, token.driver.user.username) for token in tokens} == {(Token.Status.VALID, "bench-driver")}


def test_each_station_accepts_only_its_own_derived_password():
    provision(count=3)
    fleet = bench_fleet.fleet(count=3)
    stored = dict(ChargingStation.objects.values_list("identity", "password_hash"))
    for identity, password in fleet:
        assert password not in stored[identity]
        assert passwords.check_password(password, stored[identity])
    assert not passwords.check_password(fleet[0][1], stored[fleet[1][0]])


def test_running_twice_creates_nothing_new_and_a_larger_count_adds_the_rest():
    provision(count=4)
    hashes = dict(ChargingStation.objects.values_list("identity", "password_hash"))
    assert provision(count=4).startswith("0 stations created")
    assert dict(ChargingStation.objects.values_list("identity", "password_hash")) == hashes
    assert Connector.objects.count() == 8
    assert provision(count=6).startswith("2 stations created")
    assert ChargingStation.objects.count() == 6
    assert Connector.objects.count() == 12
    assert Token.objects.count() == 12


def test_another_prefix_is_another_fleet():
    provision(count=2, prefix="LOADA")
    provision(count=2, prefix="LOADB")
    assert ChargingStation.objects.filter(identity__startswith="LOAD").count() == 4


@pytest.mark.parametrize("options", [{"count": 0}, {"count": 2, "connectors": 0}, {"count": 2, "prefix": "BAD PREFIX"}])
def test_bad_arguments_are_refused_with_a_clear_error(options):
    with pytest.raises(CommandError):
        provision(**options)
    assert not ChargingStation.objects.exists()
