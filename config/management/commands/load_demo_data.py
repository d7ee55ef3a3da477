"""`load_demo_data`: the whole demo — network, drivers, prices, logins. It lives in billing
because billing is the app allowed to import both stations and drivers."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from billing.demo import load_billing
from config.demo_history import HISTORY_DAYS, load_history
from drivers.demo import DEMO_DRIVER_PASSWORD, demo_driver_email, load_drivers
from roaming.demo import NAME as PARTNER_NAME
from roaming.demo import load_partner_network
from stations.demo import DEMO_CHARGER_PASSWORD, OWNERS, load_network
from stations.models import Organisation, OrganisationMember
from stations.pipeline.demo import load_pipeline

STAFF_LOGIN = ("admin", "admin")
OWNER_LOGIN = ("owner@example.com", "owner-demo-2026")


class Command(BaseCommand):
    help = "Load the demo network, drivers, tariffs and logins. Safe to run again: it creates only what is missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history-days",
            type=int,
            default=HISTORY_DAYS,
            help=f"Days of past sessions, CDRs, faults and uptime to create on a first load (default {HISTORY_DAYS}; 0: none).",
        )

    def handle(self, *args, **options):
        counts = load_network()
        counts.update(load_drivers())
        counts.update(load_billing())
        counts.update(load_pipeline())
        counts.update(load_partner_network())
        self._logins()
        if options["history_days"] > 0:
            counts.update(load_history(days=options["history_days"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({counts['stations_created']} stations, {counts['drivers_created']} drivers and "
                f"{counts.get('history_sessions_created', 0)} past sessions created this run)."
            )
        )
        self.stdout.write(f"  staff:   {STAFF_LOGIN[0]} / {STAFF_LOGIN[1]}")
        self.stdout.write(f"  driver:  {demo_driver_email(1)} / {DEMO_DRIVER_PASSWORD}  (and driver02 … driver20)")
        self.stdout.write(f"  owner:   {OWNER_LOGIN[0]} / {OWNER_LOGIN[1]}  ({OWNERS[0]})")
        self.stdout.write(f"  charger: VW-DE-01-01 … with password {DEMO_CHARGER_PASSWORD}")
        self.stdout.write(f"  partner network: {PARTNER_NAME} (OCPI roaming; its stations in the portal's search)")

    def _logins(self) -> None:
        User = get_user_model()
        if not User.objects.filter(username=STAFF_LOGIN[0]).exists():
            User.objects.create_superuser(username=STAFF_LOGIN[0], email="admin@example.com", password=STAFF_LOGIN[1])
        owner_user = User.objects.filter(username=OWNER_LOGIN[0]).first()
        if owner_user is None:
            owner_user = User.objects.create_user(
                username=OWNER_LOGIN[0], email=OWNER_LOGIN[0], password=OWNER_LOGIN[1]
            )
        OrganisationMember.objects.get_or_create(organisation=Organisation.objects.get(name=OWNERS[0]), user=owner_user)
