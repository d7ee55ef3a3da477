"""Issue the invoices of a closed month on demand (the beat job does it on the 1st)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.services.invoices import invoices_issue_for_month


def month_arg(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise CommandError(f"--month must look like 2026-05, not {value!r}.") from None


class Command(BaseCommand):
    help = "Issue the invoices of a closed month (idempotent: a second run issues nothing new)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; the previous month by default.")

    def handle(self, *args, month=None, **options):
        now = timezone.now()
        period_start = month_arg(month) if month else (now.date().replace(day=1) - timedelta(days=1)).replace(day=1)
        if period_start >= now.date().replace(day=1):
            raise CommandError(f"{period_start:%Y-%m} has not ended yet; only a closed month can be invoiced.")
        issued = invoices_issue_for_month(period_start=period_start, now=now)
        self.stdout.write(f"{len(issued)} invoice(s) issued for {period_start:%Y-%m}.")
