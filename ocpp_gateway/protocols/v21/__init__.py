"""OCPP 2.1: 2.0.1's messages (adopted from protocols/v201, validated against 2.1's own
schemas, which add optional fields) plus 2.1's additions: the SEND and CALLRESULTERROR
frame types, DER and V2X notifications kept read-only (StationReport), periodic event
streams kept as sent, and tariff messages (SetDefaultTariff, GetTariffs, ClearTariffs,
ChangeTransactionTariff) sendable as schema-validated raw commands. Every other 2.1
message is answered NotSupported. What the `ocpp` package lacks for 2.1 and how we work
around it: docs/ocpp.md."""

from ocpp.v21.enums import Action

from ocpp_gateway.protocols import v201
from ocpp_gateway.protocols.v201 import protocol

CHARGER_ACTIONS = v201.CHARGER_ACTIONS | {
    Action.battery_swap,
    Action.close_periodic_event_stream,
    Action.get_certificate_chain_status,
    Action.notify_der_alarm,
    Action.notify_der_start_stop,
    Action.notify_priority_charging,
    Action.notify_settlement,
    Action.open_periodic_event_stream,
    Action.pull_dynamic_schedule_update,
    Action.report_der_control,
    Action.vat_number_validation,
}
CSMS_ACTIONS = v201.CSMS_ACTIONS | {
    Action.afrr_signal,
    Action.adjust_periodic_event_stream,
    Action.change_transaction_tariff,
    Action.clear_der_control,
    Action.clear_tariffs,
    Action.get_der_control,
    Action.get_periodic_event_stream,
    Action.get_tariffs,
    Action.notify_allowed_energy_transfer,
    Action.notify_web_payment_started,
    Action.request_battery_swap,
    Action.set_der_control,
    Action.set_default_tariff,
    Action.update_dynamic_schedule,
    Action.use_priority_charging,
}
# 2.1's one SEND message (a charger→CSMS stream that gets no answer).
SEND_ACTIONS = frozenset({"NotifyPeriodicEventStream"})

PROTOCOL = protocol(
    subprotocol="ocpp2.1",
    ocpp_version="2.1",
    charger_actions=CHARGER_ACTIONS,
    csms_actions=CSMS_ACTIONS,
    known_actions=frozenset(str(a) for a in Action),
    send_actions=SEND_ACTIONS,
)

from ocpp_gateway.protocols.v21 import notices  # noqa: E402,F401 - registers handlers

PROTOCOL.adopt(v201.PROTOCOL)
