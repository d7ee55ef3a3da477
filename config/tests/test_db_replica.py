"""Which reads go to the replica (config/db_replica.py); the live replica is exercised in
config/tests/test_scale_out.py."""

import pytest
from django.contrib.auth import get_user_model

from config.db_replica import ReplicaRouter, reading_replica
from stations.models import ChargingStation

router = ReplicaRouter()


def _with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}


def test_without_a_replica_every_read_goes_to_the_primary(settings):
    token = reading_replica.set(True)
    try:
        assert router.db_for_read(ChargingStation) is None
    finally:
        reading_replica.reset(token)


# Only the router reads the setting here; no connection to the alias is made.
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_a_report_reads_the_domain_from_the_replica_but_accounts_from_the_primary(settings):
    _with_replica(settings)
    assert router.db_for_read(ChargingStation) is None  # not inside a report view
    token = reading_replica.set(True)
    try:
        assert router.db_for_read(ChargingStation) == "replica"
        assert router.db_for_read(get_user_model()) is None
        assert router.db_for_write(ChargingStation) is None
    finally:
        reading_replica.reset(token)


def test_nothing_is_migrated_on_the_replica():
    assert router.allow_migrate("replica", "stations") is False
    assert router.allow_migrate("default", "stations") is True
