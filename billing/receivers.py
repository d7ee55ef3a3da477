"""Billing's reaction to the gateway's domain signals: a stopped session is priced by a
task sent after commit (the task is idempotent, so a replayed stop is harmless)."""

from django.dispatch import receiver

from billing import tasks
from stations import signals


@receiver(signals.session_stopped, dispatch_uid="billing.session_stopped")
def on_session_stopped(sender, *, session_id, **kwargs) -> None:
    tasks.price_session.delay(session_id)
