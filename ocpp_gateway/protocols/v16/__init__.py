"""OCPP 1.6J: the protocol object, with one handler per charger→CSMS action (core,
transactions, firmware) and one result hook per CSMS→charger action that changes state."""

from ocpp.v16.enums import Action

from ocpp_gateway.protocols.base import Protocol

CHARGER_ACTIONS = frozenset(
    {
        Action.authorize,
        Action.boot_notification,
        Action.data_transfer,
        Action.diagnostics_status_notification,
        Action.firmware_status_notification,
        Action.heartbeat,
        Action.log_status_notification,
        Action.meter_values,
        Action.security_event_notification,
        Action.sign_certificate,
        Action.signed_firmware_status_notification,
        Action.start_transaction,
        Action.status_notification,
        Action.stop_transaction,
    }
)
CSMS_ACTIONS = frozenset(
    {
        Action.cancel_reservation,
        Action.certificate_signed,
        Action.change_availability,
        Action.change_configuration,
        Action.clear_cache,
        Action.clear_charging_profile,
        Action.data_transfer,
        Action.delete_certificate,
        Action.extended_trigger_message,
        Action.get_composite_schedule,
        Action.get_configuration,
        Action.get_diagnostics,
        Action.get_installed_certificate_ids,
        Action.get_local_list_version,
        Action.get_log,
        Action.install_certificate,
        Action.remote_start_transaction,
        Action.remote_stop_transaction,
        Action.reserve_now,
        Action.reset,
        Action.send_local_list,
        Action.set_charging_profile,
        Action.signed_update_firmware,
        Action.trigger_message,
        Action.unlock_connector,
        Action.update_firmware,
    }
)

PROTOCOL = Protocol(
    subprotocol="ocpp1.6",
    ocpp_version="1.6",
    charger_actions=frozenset(str(a) for a in CHARGER_ACTIONS),
    csms_actions=frozenset(str(a) for a in CSMS_ACTIONS),
    known_actions=frozenset(str(a) for a in Action),
    # The 1.6 spelling of these two codes (errata 5.1/5.2 keep them).
    formation_violation="FormationViolation",
    occurrence_violation="OccurenceConstraintViolation",
    decimal_calls=frozenset({"SetChargingProfile", "RemoteStartTransaction"}),
    decimal_results=frozenset({"GetCompositeSchedule"}),
    positive_statuses=frozenset({"Accepted", "AcceptedCanceled", "Unlocked", "RebootRequired", "Scheduled"}),
    allowed_before_acceptance=frozenset({"BootNotification"}),
    # 1.6 §4.2: "While in pending state, the following Central System initiated messages
    # are not allowed: RemoteStartTransaction.req and RemoteStopTransaction.req".
    not_while_pending=frozenset({"RemoteStartTransaction", "RemoteStopTransaction"}),
)

from ocpp_gateway.protocols.v16 import (  # noqa: E402,F401 - registers handlers
    commands,
    core,
    firmware,
    logs,
    results,
    security,
    transactions,
)
