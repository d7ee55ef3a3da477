"""Provision a benchmark fleet in bulk: N stations, each with its own identity and
password, spread over sites on a grid, plus a valid token of the bench driver for each
connector (bench_fleet.id_tag), so every simulated session can be accepted at once.

Idempotent: stations, sites and tokens that already exist are left alone, so
running it twice creates nothing the second time; a larger --count adds the rest."""

import math
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from config import bench_fleet
from drivers.models import Driver, Token
from stations import passwords
from stations.models import ChargingStation, Connector, OperatingAgreement, Organisation, Site

ORGANISATION = "Bench Operator"
BATCH = 2000
# A grid over Germany: 0.02° ≈ 2 km between sites, so ?near= queries find a handful.
ORIGIN = (Decimal("47.500000"), Decimal("6.000000"))
STEP = Decimal("0.020000")


class Command(BaseCommand):
    help = "Create N bench stations (identities PREFIX-000001…) with per-station passwords. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many stations the fleet should have.")
        parser.add_argument("--prefix", default=bench_fleet.DEFAULT_PREFIX)
        parser.add_argument("--seed", default=bench_fleet.DEFAULT_SEED, help="Passwords are derived from it.")
        parser.add_argument("--connectors", type=int, default=2, help="Connectors per station.")
        parser.add_argument("--stations-per-site", type=int, default=2)

    def handle(self, *args, count, prefix, seed, connectors, stations_per_site, **options):
        if count < 1 or connectors < 1 or stations_per_site < 1:
            raise CommandError("--count, --connectors and --stations-per-site must be at least 1.")
        if not bench_fleet.identity(prefix, count).replace("-", "").isalnum() or len(prefix) > 40:
            raise CommandError("--prefix must be letters and digits (an OCPP identity is at most 48 characters).")
        with transaction.atomic():
            operator, agreement = self._organisation()
            sites = self._sites(operator, prefix, math.ceil(count / stations_per_site))
            created = self._stations(prefix, seed, count, connectors, stations_per_site, sites, operator, agreement)
            self._driver_tokens(prefix, count, connectors)
        self.stdout.write(f"{created} stations created; the fleet {prefix}-000001… has {count}.")

    def _organisation(self) -> tuple[Organisation, OperatingAgreement]:
        operator, _ = Organisation.objects.get_or_create(
            name=ORGANISATION, defaults={"country": "DE", "is_owner": True, "is_operator": True, "is_emsp": True}
        )
        agreement, _ = OperatingAgreement.objects.get_or_create(
            owner=operator, operator=operator, defaults={"valid_from": date(2025, 1, 1)}
        )
        return operator, agreement

    def _sites(self, operator: Organisation, prefix: str, count: int) -> list[Site]:
        names = [f"{prefix} site {number:06d}" for number in range(1, count + 1)]
        existing = set(Site.objects.filter(name__in=names).values_list("name", flat=True))
        per_row = math.ceil(math.sqrt(count))
        Site.objects.bulk_create(
            [
                Site(
                    name=name,
                    operator=operator,
                    address=f"Benchstraße {index + 1}",
                    city="Benchburg",
                    postal_code="10115",
                    country="DE",
                    latitude=ORIGIN[0] + STEP * (index // per_row),
                    longitude=ORIGIN[1] + STEP * (index % per_row),
                    time_zone="Europe/Berlin",
                )
                for index, name in enumerate(names)
                if name not in existing
            ],
            batch_size=BATCH,
        )
        by_name = dict(Site.objects.filter(name__in=names).values_list("name", "id"))
        return [Site(id=by_name[name]) for name in names]

    def _stations(self, prefix, seed, count, connectors, per_site, sites, operator, agreement) -> int:
        fleet = bench_fleet.fleet(count=count, prefix=prefix, seed=seed)
        existing = set(
            ChargingStation.objects.filter(identity__in=[name for name, _ in fleet]).values_list("identity", flat=True)
        )
        new = [
            ChargingStation(
                identity=name,
                site=sites[index // per_site],
                owner=operator,
                agreement=agreement,
                vendor="BenchVendor",
                model="Sim-1",
                serial_number=name,
                password_hash=passwords.hash_password(password),
            )
            for index, (name, password) in enumerate(fleet)
            if name not in existing
        ]
        ChargingStation.objects.bulk_create(new, batch_size=BATCH)
        ids = ChargingStation.objects.filter(identity__in=[station.identity for station in new]).values_list(
            "id", flat=True
        )
        Connector.objects.bulk_create(
            [
                Connector(
                    station_id=station_id,
                    connector_id=number,
                    standard=Connector.Standard.TYPE_2,
                    power_type=Connector.PowerType.AC_3_PHASE,
                    max_power_kw=Decimal("22"),
                )
                for station_id in ids
                for number in range(1, connectors + 1)
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        return len(new)

    def _driver_tokens(self, prefix: str, count: int, connectors: int) -> None:
        user, _ = get_user_model().objects.get_or_create(
            username="bench-driver", defaults={"email": "bench-driver@example.com"}
        )
        driver, _ = Driver.objects.get_or_create(user=user)
        Token.objects.bulk_create(
            [
                Token(
                    uid=bench_fleet.id_tag(bench_fleet.identity(prefix, number), connector),
                    driver=driver,
                    label="bench fleet",
                )
                for number in range(1, count + 1)
                for connector in range(1, connectors + 1)
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
