"""A database made before the migrations were regenerated from scratch (2026-11-29) records
migration names that no longer exist, while its `0001_initial` rows would make `migrate` skip
the new initial migrations and leave the schema short. There was no deployment to upgrade, so
the check stops `migrate` and says to start the embedded database afresh."""

from django.core import checks
from django.db import connections
from django.db.migrations.loader import MigrationLoader

OUR_APPS = ("stations", "drivers", "billing", "ocpp_gateway", "api")


def unknown_applied_migrations(connection) -> list[tuple[str, str]]:
    """Migrations recorded as applied in our apps that no file defines any more."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(key for key in loader.applied_migrations if key[0] in OUR_APPS and key not in loader.disk_migrations)


@checks.register(checks.Tags.database)
def migration_history_check(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        unknown = unknown_applied_migrations(connections[alias])
        if not unknown:
            continue
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        errors.append(
            checks.Error(
                f"The database '{alias}' was made by an older set of migrations ({names}"
                f"{' …' if len(unknown) > 5 else ''}); they were regenerated from scratch and cannot upgrade it.",
                hint="For the embedded demo database: stop the server, delete the var/ folder "
                "(rm -rf var) and run `make run` again. For a PostgreSQL database: drop and create it.",
                id="config.E001",
            )
        )
    return errors
