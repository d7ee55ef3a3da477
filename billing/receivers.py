"""What billing plugs in at start-up (imported by BillingConfig.ready): its reaction to the
gateway's domain signals (a stopped session is priced by a task sent after commit; the task
is idempotent, so a replayed stop is harmless), and the rules and data billing owns that
lower apps consult through their registries (docs/architecture.md, "Registries"); a closed driver account ends its
memberships."""

from django.dispatch import receiver

from billing import tasks
from billing.api.locations import site_tariff_snapshots
from billing.selectors import documents, payment_block_reason
from billing.selectors.analytics import revenue_by_period, revenue_split_by_site
from billing.selectors.memberships import session_load_priority
from billing.selectors.prices import BillingPrices
from billing.services import memberships
from drivers import signals as driver_signals
from drivers.selectors import accounts, tokens
from stations import prices, signals
from stations.api import locations
from stations.load_management import priorities
from stations.models import CommandRequest
from stations.selectors import analytics


@receiver(signals.session_stopped, dispatch_uid="billing.session_stopped")
def on_session_stopped(sender, *, session_id, **kwargs) -> None:
    tasks.price_session.delay(session_id)


@receiver(signals.command_finished, dispatch_uid="billing.command_finished")
def on_command_finished(sender, *, command_id, action, status, **kwargs) -> None:
    # A pay-as-you-go start that did not happen must not keep the driver's money held.
    if action == CommandRequest.Action.START and status != CommandRequest.Status.ACCEPTED:
        tasks.release_ad_hoc_hold.delay(command_id)


# Token authorization (drivers) refuses a driver whose payments are overdue or whose
# prepaid balance is too low.
tokens.charge_block_register(payment_block_reason)


def _invoices(driver) -> list[dict]:
    return [
        {
            "number": invoice.number,
            "period_start": invoice.period_start.isoformat(),
            "total_incl_vat": str(invoice.total_incl_vat),
            "currency": invoice.currency,
            "status": invoice.status,
        }
        for invoice in documents.invoices_for_driver(driver=driver)
    ]


def _payments(driver) -> list[dict]:
    return [
        {
            "created_at": payment.created_at.isoformat() if payment.created_at else None,
            "purpose": payment.purpose,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "status": payment.status,
        }
        for payment in documents.payments_for_driver(driver=driver)
    ]


# The driver's data export (GDPR Art. 15/20) includes what billing holds about them.
accounts.export_section_register("invoices", _invoices)
accounts.export_section_register("payments", _payments)


# The API's `locations/` shows each site's public tariff.
locations.site_tariffs_register(site_tariff_snapshots)


@receiver(driver_signals.driver_account_closed, dispatch_uid="billing.driver_account_closed")
def on_driver_account_closed(sender, *, driver, on, **kwargs) -> None:
    memberships.memberships_end_for_driver(driver=driver, on=on)


# What a session costs, its receipt and a connector's price in words, for the portal's
# pages (drivers) and the API's sessions (stations).
prices.prices_register(BillingPrices())

# Staff and owner analytics (stations) show the revenue of charge detail records.
analytics.revenue_source_register(revenue_by_period)
analytics.revenue_split_source_register(revenue_split_by_site)

# Site load management serves members before ad-hoc drivers.
priorities.priority_register(session_load_priority)
