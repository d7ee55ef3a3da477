"""`run_demo_chargers`: a few demo stations connect as simulated OCPP 1.6 chargers (see
config/demo_chargers.py). `make run` starts it in embedded mode only (Procfile.embedded)."""

import asyncio
import os

from django.core.management.base import BaseCommand

from config.demo_chargers import run_chargers
from stations.demo import DEMO_CHARGER_PASSWORD
from stations.models import ChargingStation

DEFAULT_COUNT = 4


class Command(BaseCommand):
    help = "Connect a few demo stations as simulated chargers to the local server, until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="How many stations (default 4).")
        # Not PORT: honcho gives each process a port of its own.
        default_url = os.environ.get("DEMO_SERVER_URL", "http://127.0.0.1:8000")
        parser.add_argument("--url", default=default_url, help=f"The server (default {default_url}).")

    def handle(self, *args, count, url, **options):
        stations = ChargingStation.objects.filter(identity__startswith="VW-").prefetch_related("connectors")
        chargers = {
            station.identity: tuple(sorted(c.connector_id for c in station.connectors.all()))
            for station in stations.order_by("identity")[:count]
        }
        self.stdout.write(f"Demo chargers connecting to {url}: {', '.join(chargers)}")
        asyncio.run(run_chargers(base_url=url, password=DEMO_CHARGER_PASSWORD, chargers=chargers))
