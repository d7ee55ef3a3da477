"""Simulated OCPP 2.0.1 chargers: the same life as bench.simulator's 1.6 ones in 2.0.1's
words. BootNotification with a chargingStation, StatusNotification per EVSE connector,
and a transaction as a run of TransactionEvents (Started with the idToken, Updated with
the periodic meter values, Ended) numbered by seqNo under a transactionId the charger
chooses, as blocks B, G and E of the spec have it."""

import uuid

from bench import simulator
from bench.simulator import now_iso

SUBPROTOCOL = "ocpp2.0.1"
ACTION = "TransactionEvent"
ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"

# Answers to the calls a 2.0.1 CSMS may make after boot; anything else gets NotImplemented.
CSMS_CALL_ANSWERS = {
    "GetBaseReport": {"status": "Accepted"},
    "TriggerMessage": {"status": "Accepted"},
    "RequestStartTransaction": {"status": "Accepted"},
    "RequestStopTransaction": {"status": "Accepted"},
    "ChangeAvailability": {"status": "Accepted"},
    "Reset": {"status": "Accepted"},
    "UnlockConnector": {"status": "Unlocked"},
    "ClearCache": {"status": "Accepted"},
    "DataTransfer": {"status": "Accepted"},
    "CostUpdated": {},
}


def boot_notification(identity: str) -> dict:
    return {
        "chargingStation": {"vendorName": "BenchVendor", "model": "Sim-1", "serialNumber": identity},
        "reason": "PowerUp",
    }


def status_notification(evse_id: int, status: str) -> dict:
    """One connector per EVSE, as the bench fleet's stations are provisioned."""
    return {"timestamp": now_iso(), "connectorStatus": status, "evseId": evse_id, "connectorId": 1}


def meter_value(energy_wh: int, *, context: str = "Sample.Periodic", power_w: int = 11000) -> list[dict]:
    """A MeterValueType[]: the register and the power, numbers with their units."""
    return [
        {
            "timestamp": now_iso(),
            "sampledValue": [
                {"value": energy_wh, "measurand": ENERGY, "context": context, "unitOfMeasure": {"unit": "Wh"}},
                {"value": power_w, "measurand": POWER, "context": context, "unitOfMeasure": {"unit": "W"}},
            ],
        }
    ]


def transaction_event(
    *,
    event_type: str,
    trigger_reason: str,
    seq_no: int,
    transaction_id: str,
    evse_id: int,
    energy_wh: int,
    context: str = "Sample.Periodic",
    id_token: str | None = None,
    stopped_reason: str | None = None,
) -> dict:
    """A TransactionEventRequest. The EVSE is named in every event (the spec asks for it
    only in the first; chargers differ, and the gateway finds it either way); the charging
    state only in Started, as a charger reports it when it changes, not with every reading."""
    transaction_info: dict = {"transactionId": transaction_id}
    if event_type == "Started":
        transaction_info["chargingState"] = "Charging"
    if stopped_reason is not None:
        transaction_info["stoppedReason"] = stopped_reason
    payload = {
        "eventType": event_type,
        "timestamp": now_iso(),
        "triggerReason": trigger_reason,
        "seqNo": seq_no,
        "transactionInfo": transaction_info,
        "evse": {"id": evse_id, "connectorId": 1},
        "meterValue": meter_value(energy_wh, context=context),
    }
    if id_token is not None:
        payload["idToken"] = {"idToken": id_token, "type": "ISO14443"}
    return payload


def transaction_updated(*, seq_no: int, transaction_id: str, evse_id: int, energy_wh: int) -> dict:
    """The periodic meter frame S3 sends at the offered rate."""
    return transaction_event(
        event_type="Updated",
        trigger_reason="MeterValuePeriodic",
        seq_no=seq_no,
        transaction_id=transaction_id,
        evse_id=evse_id,
        energy_wh=energy_wh,
    )


class Charger(simulator.Charger):
    """A 2.0.1 charger. A transaction's id is a fresh UUID, so a repeated run against the
    same database starts new transactions instead of replaying the last run's events."""

    csms_answers = CSMS_CALL_ANSWERS
    meter_action = ACTION

    async def _boot(self) -> None:
        boot = await self.call("BootNotification", boot_notification(self.identity))
        if boot.get("status") != "Accepted":
            raise simulator.CallFailed("boot_not_accepted", str(boot.get("status")))
        for evse_id in range(1, self.profile.connectors + 1):
            await self.call("StatusNotification", status_notification(evse_id, "Available"))

    def _new_transaction(self, connector: int) -> dict:
        transaction = super()._new_transaction(connector)
        transaction["charger_id"] = str(uuid.uuid4())
        # Built once, so a Started that got no answer is sent again unchanged.
        transaction["start"] = transaction_event(
            event_type="Started",
            trigger_reason="Authorized",
            seq_no=0,
            transaction_id=transaction["charger_id"],
            evse_id=connector,
            energy_wh=self.meter_wh,
            context="Transaction.Begin",
            id_token=self.id_tag(connector),
        )
        transaction["seq_no"] = 1
        return transaction

    def _next_seq_no(self, transaction: dict) -> int:
        seq_no = transaction["seq_no"]
        transaction["seq_no"] += 1
        return seq_no

    async def _start(self, transaction: dict) -> None:
        if transaction["id"] is not None:
            return
        await self.call(ACTION, transaction["start"])
        transaction["id"] = transaction["charger_id"]
        self.state.transactions.add(transaction["id"])
        await self.call("StatusNotification", status_notification(transaction["connector"], "Occupied"))

    def meter_update(self, transaction: dict) -> dict:
        return transaction_updated(
            seq_no=self._next_seq_no(transaction),
            transaction_id=transaction["id"],
            evse_id=transaction["connector"],
            energy_wh=self.meter_wh,
        )

    async def _stop(self, transaction: dict) -> None:
        if transaction["stop"] is None:
            transaction["stop"] = transaction_event(
                event_type="Ended",
                trigger_reason="StopAuthorized",
                seq_no=self._next_seq_no(transaction),
                transaction_id=transaction["id"],
                evse_id=transaction["connector"],
                energy_wh=self.meter_wh,
                context="Transaction.End",
                id_token=self.id_tag(transaction["connector"]),
                stopped_reason="Local",
            )
        # Sent again unchanged when it got no answer, as 1.6's StopTransaction is.
        await self.call(ACTION, transaction["stop"])
        del self.open_transactions[transaction["connector"]]
        await self.call("StatusNotification", status_notification(transaction["connector"], "Available"))


CHARGERS = {"1.6": simulator.Charger, "2.0.1": Charger}
SUBPROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": SUBPROTOCOL}
METER_ACTIONS = {"1.6": simulator.Charger.meter_action, "2.0.1": ACTION}
