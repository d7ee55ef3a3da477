"""What drivers plugs in at start-up (imported by DriversConfig.ready): the token
authorization that stations asks at a session start, the charge start the ops dashboard
asks for, the API's driver role, fleet accounts' priority in site load management, and breakdown
reports following their work order. Registries let a lower layer use a higher one's knowledge without importing it
(docs/architecture.md)."""

from django.dispatch import receiver

from config.api import roles
from drivers.selectors.accounts import driver_of_user
from drivers.selectors.sessions import driver_session_filter, session_fleet_priority, session_payment_methods
from drivers.selectors.tokens import token_authorization
from drivers.services.breakdowns import breakdown_reports_follow_work_order
from drivers.services.charging import charge_start
from drivers.services.sessions import session_token_link
from stations import authorization, signals
from stations.load_management import priorities
from stations.operations.regulatory import reports as regulatory_reports
from stations.services import charging

authorization.authorizer_register(token_authorization)
authorization.session_token_recorder_register(session_token_link)
authorization.driver_session_filter_register(driver_session_filter)
charging.charge_starter_register(charge_start)
roles.role_register("driver", driver_of_user)
regulatory_reports.payment_method_source_register(session_payment_methods)
priorities.priority_register(session_fleet_priority)


@receiver(signals.work_order_status_changed, dispatch_uid="drivers.work_order_status_changed")
def on_work_order_status_changed(sender, *, work_order_id, status, at, **kwargs) -> None:
    breakdown_reports_follow_work_order(work_order_id=work_order_id, status=status, at=at)
