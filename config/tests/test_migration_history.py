import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from config.migration_history import migration_history_check


@pytest.mark.django_db
def test_a_fresh_database_passes():
    assert migration_history_check(databases=["default"]) == []


@pytest.mark.django_db
def test_a_database_made_by_the_old_migrations_stops_migrate_with_what_to_do():
    MigrationRecorder(connection).record_applied("stations", "0011_meter_sample_rejected")

    errors = migration_history_check(databases=["default"])

    assert [error.id for error in errors] == ["config.E001"]
    assert "stations.0011_meter_sample_rejected" in errors[0].msg
    assert "rm -rf var" in errors[0].hint
    with pytest.raises(SystemCheckError, match="older set of migrations"):
        call_command("migrate", verbosity=0, skip_checks=False)


@pytest.mark.django_db
def test_third_party_migrations_are_not_ours_to_judge():
    MigrationRecorder(connection).record_applied("django_celery_beat", "9999_from_the_future")

    assert migration_history_check(databases=["default"]) == []
