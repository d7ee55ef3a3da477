"""OCPP 2.0.1: the protocol object, with one handler per charger→CSMS action and one
translation per domain command request, one module per functional block of the spec
(provisioning B, authorization C, transactions E and meter values J, availability G,
…). OCPP 2.1 (protocols/v21) adopts these for every message the two share.

A block's module registers on PROTOCOL when imported (the list at the bottom); a new
block is a new module added there."""

from ocpp.v201.enums import Action

from ocpp_gateway.protocols.base import Protocol

# Every 2.0.1 message by who sends it (DataTransfer goes both ways). An action in these
# sets without a handler is answered NotSupported.
CHARGER_ACTIONS = frozenset(
    {
        Action.authorize,
        Action.boot_notification,
        Action.cleared_charging_limit,
        Action.data_transfer,
        Action.firmware_status_notification,
        Action.get_15118_ev_certificate,
        Action.get_certificate_status,
        Action.heartbeat,
        Action.log_status_notification,
        Action.meter_values,
        Action.notify_charging_limit,
        Action.notify_customer_information,
        Action.notify_display_messages,
        Action.notify_ev_charging_needs,
        Action.notify_ev_charging_schedule,
        Action.notify_event,
        Action.notify_monitoring_report,
        Action.notify_report,
        Action.publish_firmware_status_notification,
        Action.report_charging_profiles,
        Action.reservation_status_update,
        Action.security_event_notification,
        Action.sign_certificate,
        Action.status_notification,
        Action.transaction_event,
    }
)
CSMS_ACTIONS = frozenset(
    {
        Action.cancel_reservation,
        Action.certificate_signed,
        Action.change_availability,
        Action.clear_cache,
        Action.clear_charging_profile,
        Action.clear_display_message,
        Action.clear_variable_monitoring,
        Action.cost_updated,
        Action.customer_information,
        Action.data_transfer,
        Action.delete_certificate,
        Action.get_base_report,
        Action.get_charging_profiles,
        Action.get_composite_schedule,
        Action.get_display_messages,
        Action.get_installed_certificate_ids,
        Action.get_local_list_version,
        Action.get_log,
        Action.get_monitoring_report,
        Action.get_report,
        Action.get_transaction_status,
        Action.get_variables,
        Action.install_certificate,
        Action.publish_firmware,
        Action.request_start_transaction,
        Action.request_stop_transaction,
        Action.reserve_now,
        Action.reset,
        Action.send_local_list,
        Action.set_charging_profile,
        Action.set_display_message,
        Action.set_monitoring_base,
        Action.set_monitoring_level,
        Action.set_network_profile,
        Action.set_variable_monitoring,
        Action.set_variables,
        Action.trigger_message,
        Action.unlock_connector,
        Action.unpublish_firmware,
        Action.update_firmware,
    }
)
# CSMS→charger answers that mean "done (or will be)".
POSITIVE_STATUSES = frozenset({"Accepted", "Unlocked", "Scheduled", "AcceptedCanceled", "Unpublished"})
# B02.FR.02/B02.FR.03: while Pending the charger sends nothing but BootNotification, and
# the CSMS may configure it (Get/SetVariables, GetBaseReport → NotifyReport) but not
# start or stop transactions.
ALLOWED_BEFORE_ACCEPTANCE = frozenset({"BootNotification", "NotifyReport", "Heartbeat"})
NOT_WHILE_PENDING = frozenset({"RequestStartTransaction", "RequestStopTransaction"})


def protocol(*, subprotocol: str, ocpp_version: str, charger_actions, csms_actions, **extra) -> Protocol:
    """A 2.0.1-family protocol (2.0.1 itself, 2.1)."""
    return Protocol(
        subprotocol=subprotocol,
        ocpp_version=ocpp_version,
        charger_actions=frozenset(str(a) for a in charger_actions),
        csms_actions=frozenset(str(a) for a in csms_actions),
        # 2.0.1 part 4 §4.3: the 2.0.1 spellings of these error codes.
        formation_violation="FormatViolation",
        occurrence_violation="OccurrenceConstraintViolation",
        positive_statuses=POSITIVE_STATUSES,
        allowed_before_acceptance=ALLOWED_BEFORE_ACCEPTANCE,
        not_while_pending=NOT_WHILE_PENDING,
        **extra,
    )


PROTOCOL = protocol(
    subprotocol="ocpp2.0.1",
    ocpp_version="2.0.1",
    charger_actions=CHARGER_ACTIONS,
    csms_actions=CSMS_ACTIONS,
    known_actions=frozenset(str(a) for a in Action),
)

from ocpp_gateway.protocols.v201 import (  # noqa: E402,F401 - registers handlers
    authorization,
    availability,
    commands,
    iso15118,
    provisioning,
    reports,
    results,
    security,
    transactions,
)
