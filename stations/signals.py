"""Domain events other parts react to, so that writers need not know their readers
(billing prices a stopped session; operations opens incidents on faults).

Convention: the service that changes state sends the signal from
`transaction.on_commit`, with ids only; receivers do one thing — call a service or
enqueue a task — and must be idempotent, because a replayed OCPP message may send again.
"""

from django.dispatch import Signal

# kwargs: session_id
session_started = Signal()
# kwargs: session_id
session_stopped = Signal()
# kwargs: station_id, connector_number (0 = station), status, error_code, previous_status,
# previous_error_code, at (aware datetime)
connector_status_changed = Signal()
# kwargs: session_id, station_id, power_w (str), previous_power_w (str or None): the draw
# moved by more than DRAW_CHANGE_W (site load management re-allocates).
session_draw_changed = Signal()
# kwargs: command_id, station_id, action, status: a command request reached a final status
# by the charger's answer or its silence (sent by the gateway that delivered it).
command_finished = Signal()
# kwargs: station_id, connected (bool), at
station_connection_changed = Signal()
# kwargs: station_id, status (OCPP FirmwareStatus), at
firmware_status_changed = Signal()
# kwargs: station_id, status (OCPP DiagnosticsStatus), at
diagnostics_status_changed = Signal()
# kwargs: work_order_id, status (WorkOrder.Status), at. Sent inside the work order's
# transaction (an exception to the convention above): drivers' breakdown reports follow it.
work_order_status_changed = Signal()
