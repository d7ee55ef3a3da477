"""A Celery worker stopped with SIGTERM mid-pricing (it exits within 10 s, without errors),
then killed with SIGKILL mid-pricing and mid-invoicing, and replaced each time:
every session priced once (no duplicate CDR, the ledger sums to zero), every invoice issued
once and e-mailed exactly once. The visibility timeout is shortened to 5 s here (600 s in
production) so that the killed worker's tasks come back within the test's time."""

import asyncio
import re
import signal
import time
from collections import Counter
from pathlib import Path

from config.tests.faults.harness import kill_group, log_tail, start_worker, wait_exit
from ocpp_gateway.tests.charger import in_db

DRIVERS = 60
VISIBILITY_SECONDS = "5"


async def run(servers, outage: float) -> dict:
    mail_dir = servers.log_dir / "mail"
    mail_dir.mkdir(exist_ok=True)
    worker_env = {"CELERY_VISIBILITY_TIMEOUT": VISIBILITY_SECONDS, "EMAIL_URL": f"filemail:///{mail_dir}"}
    log = servers.log_dir / "worker.log"
    session_ids = await in_db(_sessions_create)()
    figures: dict = {"sessions": len(session_ids)}
    worker = await asyncio.to_thread(start_worker, log, **worker_env)
    try:
        await in_db(_price_later)(session_ids)
        # SIGTERM mid-pricing, as a deploy or Ctrl-C sends it: a bounded, quiet stop.
        await _wait(_priced_count, 60)
        errors_before = _errors(log)
        stopping = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        exited = await asyncio.to_thread(wait_exit, worker, 30)
        figures["sigterm_exit_seconds"] = round(time.monotonic() - stopping, 2) if exited else None
        figures["sigterm_log_errors"] = _errors(log) - errors_before
        kill_group(worker)
        worker = await asyncio.to_thread(start_worker, log, **worker_env)
        priced_before = await in_db(_priced_count)()
        await _wait(lambda: _priced_count() > priced_before, 60)
        kill_group(worker)
        killed_at = time.monotonic()
        figures["priced_when_killed"] = await in_db(_priced_count)()
        worker = await asyncio.to_thread(start_worker, log, **worker_env)
        await _wait(lambda: _priced_count() == len(session_ids), 120)
        figures["seconds_to_price_all_after_kill"] = round(time.monotonic() - killed_at, 1)
        figures.update(await in_db(_pricing_outcome)(session_ids))

        await in_db(_invoice_later)()
        await _wait(_invoice_count, 60)
        kill_group(worker)
        killed_at = time.monotonic()
        figures["invoices_when_killed"] = await in_db(_invoice_count)()
        worker = await asyncio.to_thread(start_worker, log, **worker_env)
        # Beat's sweep, as it runs every 15 minutes (here at once, without its grace time).
        await _wait(lambda: _invoice_count() == DRIVERS and _run_finished(log), 120)
        await in_db(_sweep_later)()
        await _wait(lambda: _emailed_count() == DRIVERS and len(_mails(mail_dir)) >= DRIVERS, 120)
        figures["seconds_to_invoice_and_email_all_after_kill"] = round(time.monotonic() - killed_at, 1)
        await asyncio.sleep(1)  # anything sent twice would be on its way now
        figures.update(await in_db(_invoicing_outcome)(_mails(mail_dir)))
    finally:
        kill_group(worker)
    figures["worker_log_errors"] = _errors(log)
    if figures.get("invoices_never_emailed") or figures.get("sessions_unpriced"):
        figures["worker_log_tail"] = log_tail(log, 30)
    return figures


def _errors(log: Path) -> int:
    return log.read_text(errors="replace").count("ERROR/")


async def _wait(predicate, timeout: float):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        value = await in_db(predicate)()
        if value:
            return value, time.monotonic() - started
        await asyncio.sleep(0.1)
    return None, timeout


def _sessions_create() -> list[int]:
    from billing.tests.factories import completed_session, energy_tariff
    from drivers.tests.factories import DriverFactory
    from stations.tests.factories import ConnectorFactory

    connector = ConnectorFactory(station__identity="WORKER-1")
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return [completed_session(connector=connector, driver=DriverFactory()).pk for _ in range(DRIVERS)]


def _price_later(session_ids: list[int]) -> None:
    from billing import tasks

    for session_id in session_ids:
        tasks.price_session.delay(session_id)


def _priced_count() -> int:
    from billing.models import ChargeDetailRecord

    return ChargeDetailRecord.objects.values("session").distinct().count()


def _pricing_outcome(session_ids: list[int]) -> dict:
    from django.db.models import Count, Sum

    from billing.models import ChargeDetailRecord, Entry

    per_session = Counter(ChargeDetailRecord.objects.values_list("session_id", flat=True))
    sums = Entry.objects.values("currency").annotate(total=Sum("amount"), n=Count("id"))
    return {
        "sessions_unpriced": sum(1 for pk in session_ids if not per_session[pk]),
        "cdrs_duplicated": sum(n - 1 for n in per_session.values() if n > 1),
        "ledger_entries": sum(row["n"] for row in sums),
        "ledger_sum": {row["currency"]: str(row["total"]) for row in sums},
    }


def _invoice_later() -> None:
    from billing import tasks
    from billing.tests.factories import START

    tasks.issue_monthly_invoices.delay(START.date().replace(day=1).isoformat())


def _sweep_later() -> None:
    from billing import tasks

    tasks.email_unsent_invoices.delay(grace_minutes=0)


def _invoice_count() -> int:
    from billing.models import Invoice

    return Invoice.objects.count()


def _emailed_count() -> int:
    from billing.models import Invoice

    return Invoice.objects.filter(emailed_at__isnull=False).count()


def _run_finished(log: Path) -> bool:
    return bool(re.search(r"billing\.tasks\.issue_monthly_invoices\[\S+\] succeeded", log.read_text(errors="replace")))


def _mails(mail_dir: Path) -> list[str]:
    subjects = []
    for path in mail_dir.glob("*.log"):
        subjects += re.findall(r"^Subject: (.+)$", path.read_text(errors="replace"), flags=re.MULTILINE)
    return subjects


def _invoicing_outcome(subjects: list[str]) -> dict:
    from django.db.models import Count

    from billing.models import Invoice, InvoiceLine

    invoices = list(Invoice.objects.values_list("number", flat=True))
    # Invoice e-mails end their subject with the invoice number; the drivers' session
    # receipts (sent when each CDR is priced) are other mail and are not counted here.
    known = set(invoices)
    numbers = Counter(number for subject in subjects if (number := subject.rsplit(" ", 1)[-1]) in known)
    lines_per_cdr = InvoiceLine.objects.exclude(cdr=None).values("cdr").annotate(n=Count("id")).filter(n__gt=1)
    return {
        "invoices": len(invoices),
        "invoice_lines_duplicated": lines_per_cdr.count(),
        "emails_sent": sum(numbers.values()),
        "other_emails": len(subjects) - sum(numbers.values()),
        "invoices_emailed_twice": sum(1 for number in invoices if numbers[number] > 1),
        "invoices_never_emailed": sum(1 for number in invoices if numbers[number] == 0),
    }
