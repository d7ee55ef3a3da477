"""Domain command requests in OCPP 2.0.1 (and 2.1, which adopts them): one row of
COMMANDS per domain action — the CALL that carries it and how its neutral parameters
become that CALL's payload. Adding a domain action is adding one row.

A translation is `translate(parameters) -> payload`, or `translate(parameters, request)`
for the rows marked WITH_REQUEST, which need the request's id (2.0.1 numbers remote
starts, firmware updates and log uploads with an integer the charger echoes back: ours
is the request's primary key; 0 while an unsaved request is being validated)."""

from collections.abc import Callable
from typing import NamedTuple

from ocpp.charge_point import snake_to_camel_case

from ocpp_gateway.protocols.base import OcppCallError, Protocol, format_time, parse_time
from ocpp_gateway.protocols.v16 import logs, security
from ocpp_gateway.protocols.v16.commands import LOAD_PROFILE_ID, LOAD_STACK_LEVEL
from ocpp_gateway.protocols.v201 import PROTOCOL
from ocpp_gateway.protocols.v201.id_tokens import id_token_for
from stations.models import ChargingSession
from stations.selectors.evses import evse_of_connector

WITH_REQUEST = True
TRIGGER_MESSAGES = {
    "boot_notification": "BootNotification",
    "diagnostics_status_notification": "LogStatusNotification",
    "firmware_status_notification": "FirmwareStatusNotification",
    "heartbeat": "Heartbeat",
    "meter_values": "MeterValues",
    "status_notification": "StatusNotification",
    "sign_certificate": "SignChargingStationCertificate",
    "log_status_notification": "LogStatusNotification",
}


class Command(NamedTuple):
    call: str
    translate: Callable
    with_request: bool = False


def _optional(**fields) -> dict:
    return {name: value for name, value in fields.items() if value is not None}


def _request_id(request) -> int:
    return request.pk or 0


def _evse(station_id: int, connector: int | None) -> tuple[int, int] | None:
    if not connector:
        return None
    return evse_of_connector(station_id=station_id, connector_number=connector)


def start(p: dict, request) -> dict:
    evse = _evse(request.station_id, p.get("connector"))
    profile = p.get("charging_profile")
    return {
        "idToken": id_token_for(p["id_tag"]),
        "remoteStartId": _request_id(request),
        **_optional(evseId=evse[0] if evse else None),
        **({"chargingProfile": snake_to_camel_case(profile)} if profile else {}),
    }


def stop(p: dict, request) -> dict:
    session = ChargingSession.objects.filter(pk=p["session"], station_id=request.station_id).first()
    if session is None or not session.charger_transaction_id:
        raise OcppCallError("NotSupported", f"Session {p['session']} is not an OCPP 2.0.1 transaction of this station.")
    return {"transactionId": session.charger_transaction_id}


def cost_update(p: dict, request) -> dict:
    # I02: the transaction is the charger's string id, the cost a number (not a Decimal string).
    return {"totalCost": float(p["total_cost"]), "transactionId": stop(p, request)["transactionId"]}


def unlock(p: dict, request) -> dict:
    evse_id, connector_id = evse_of_connector(station_id=request.station_id, connector_number=p["connector"])
    return {"evseId": evse_id, "connectorId": connector_id}


def set_availability(p: dict, request) -> dict:
    evse = _evse(request.station_id, p["connector"])
    return {
        "operationalStatus": "Operative" if p["operative"] else "Inoperative",
        **({"evse": {"id": evse[0], "connectorId": evse[1]}} if evse else {}),
    }


def reserve(p: dict, request) -> dict:
    evse = _evse(request.station_id, p["connector"])
    parent = p.get("parent_id_tag")
    return {
        "id": p["reservation"],
        "expiryDateTime": p["expires_at"],
        "idToken": id_token_for(p["id_tag"]),
        **_optional(evseId=evse[0] if evse else None),
        **({"groupIdToken": {"idToken": parent, "type": "Central"}} if parent else {}),
    }


def send_local_list(p: dict) -> dict:
    entries = [_list_entry(entry) for entry in p.get("entries") or []]
    return {
        "versionNumber": p["version"],
        "updateType": p["update"].capitalize(),
        **({"localAuthorizationList": entries} if entries else {}),
    }


def _list_entry(entry: dict) -> dict:
    """A neutral entry {"id_tag", "status"?, "expires_at"?, "parent_id_tag"?}; without a
    status the differential update removes the token from the list."""
    item = {"idToken": id_token_for(entry["id_tag"])}
    if entry.get("status"):
        info = {"status": "".join(part.capitalize() for part in entry["status"].split("_"))}
        if entry.get("status") == "concurrent_tx":
            info["status"] = "ConcurrentTx"
        if entry.get("expires_at"):
            info["cacheExpiryDateTime"] = entry["expires_at"]
        if entry.get("parent_id_tag"):
            info["groupIdToken"] = {"idToken": entry["parent_id_tag"], "type": "Central"}
        item["idTokenInfo"] = info
    return item


def variable_of(key: str) -> dict:
    """A 1.6-style configuration key written `Component.Variable` (optionally with
    `[instance]` after either) as 2.0.1's component and variable."""
    component, dot, variable = key.partition(".")
    if not dot or not component or not variable:
        raise OcppCallError(
            "NotSupported",
            f"OCPP 2.0.1 names settings Component.Variable (e.g. OCPPCommCtrlr.HeartbeatInterval), not {key!r}.",
        )
    return {"component": _named(component), "variable": _named(variable)}


def _named(text: str) -> dict:
    name, bracket, instance = text.partition("[")
    return {"name": name, **({"instance": instance.rstrip("]")} if bracket else {})}


def change_configuration(p: dict) -> dict:
    return {"setVariableData": [{**variable_of(p["key"]), "attributeValue": p["value"]}]}


def get_configuration(p: dict, request) -> dict | tuple[str, dict]:
    """Named keys are read with GetVariables; "all of it" is 2.0.1's configuration report
    (GetBaseReport ConfigurationInventory), whose NotifyReport fills the device model."""
    if not p.get("keys"):
        return "GetBaseReport", {"requestId": _request_id(request), "reportBase": "ConfigurationInventory"}
    return {"getVariableData": [variable_of(key) for key in p["keys"]]}


def update_firmware(p: dict, request) -> dict:
    # FirmwareType is a $ref, which the gateway's dateTime formatting does not follow.
    firmware = {
        "location": p["location"],
        "retrieveDateTime": _time(p["retrieve_at"]),
        **_optional(
            installDateTime=_time(p["install_at"]) if p.get("install_at") else None,
            signingCertificate=p.get("signing_certificate"),
            signature=p.get("signature"),
        ),
    }
    return {
        "requestId": p.get("request_id") or _request_id(request),
        "firmware": firmware,
        **_optional(retries=p.get("retries"), retryInterval=p.get("retry_interval")),
    }


def _time(value: str) -> str:
    return format_time(parse_time(value, "dateTime"))


def get_diagnostics(p: dict, request) -> dict:
    log = {
        "remoteLocation": p["location"],
        **_optional(oldestTimestamp=p.get("start_at"), latestTimestamp=p.get("stop_at")),
    }
    return {
        "logType": "DiagnosticsLog",
        "requestId": _request_id(request),
        "log": log,
        **_optional(retries=p.get("retries"), retryInterval=p.get("retry_interval")),
    }


def trigger_message(p: dict, request) -> dict:
    evse = _evse(request.station_id, p.get("connector"))
    return {
        "requestedMessage": TRIGGER_MESSAGES[p["message"]],
        **({"evse": {"id": evse[0], "connectorId": evse[1]}} if evse else {}),
    }


def set_charging_profile(p: dict, request) -> dict:
    evse = _evse(request.station_id, p["connector"])
    return {"evseId": evse[0] if evse else 0, "chargingProfile": snake_to_camel_case(p["profile"])}


def clear_charging_profile(p: dict, request) -> dict:
    evse = _evse(request.station_id, p.get("connector"))
    criteria = _optional(
        evseId=evse[0] if evse else (0 if p.get("connector") == 0 else None),
        chargingProfilePurpose=p.get("purpose"),
        stackLevel=p.get("stack_level"),
    )
    return _optional(chargingProfileId=p.get("profile_id"), chargingProfileCriteria=criteria or None)


def set_charging_limit(p: dict, request) -> dict:
    """Load management's limit (see protocols/v16/commands.py: one profile id per connector,
    0 for the station's fail-safe default), on the session's EVSE or the whole station."""
    session_scope = p["scope"] == "session"
    evse = _evse(request.station_id, p["connector"])
    period = {"startPeriod": 0, "limit": float(p["limit"]), **_optional(numberPhases=p.get("phases"))}
    profile = {
        "id": LOAD_PROFILE_ID + p["connector"],
        "stackLevel": LOAD_STACK_LEVEL,
        "chargingProfilePurpose": "TxProfile" if session_scope else "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [{"id": 1, "chargingRateUnit": p["unit"], "chargingSchedulePeriod": [period]}],
    }
    if session_scope:
        profile["transactionId"] = stop({"session": p.get("session")}, request)["transactionId"]
    return {"evseId": evse[0] if evse else 0, "chargingProfile": profile}


def clear_charging_limit(p: dict) -> dict:
    connector = p.get("connector", 0) if p["scope"] == "session" else 0
    return {"chargingProfileId": LOAD_PROFILE_ID + connector}


# Neutral certificate types ↔ 2.0.1's InstallCertificateUseEnumType / GetCertificateIdUseEnumType.
CERTIFICATE_USE = {
    "csms_root": "CSMSRootCertificate",
    "manufacturer_root": "ManufacturerRootCertificate",
    "v2g_root": "V2GRootCertificate",
    "mo_root": "MORootCertificate",
}


def certificate_signed(p: dict) -> dict:
    return {"certificateChain": p["certificate_chain"], **_optional(certificateType=p.get("certificate_type"))}


def install_certificate(p: dict) -> dict:
    return {"certificateType": CERTIFICATE_USE[p["certificate_type"]], "certificate": p["certificate"]}


def get_installed_certificate_ids(p: dict) -> dict:
    kind = p.get("certificate_type")
    return {"certificateType": [CERTIFICATE_USE[kind]]} if kind else {}


def data_transfer(p: dict) -> dict:
    return {"vendorId": p["vendor_id"], **_optional(messageId=p.get("message_id"), data=p.get("data"))}


COMMANDS: dict[str, Command] = {
    "start": Command("RequestStartTransaction", start, WITH_REQUEST),
    "stop": Command("RequestStopTransaction", stop, WITH_REQUEST),
    "reset": Command("Reset", lambda p: {"type": "Immediate" if p["type"] == "hard" else "OnIdle"}),
    "unlock": Command("UnlockConnector", unlock, WITH_REQUEST),
    "cost_update": Command("CostUpdated", cost_update, WITH_REQUEST),
    "set_availability": Command("ChangeAvailability", set_availability, WITH_REQUEST),
    "reserve": Command("ReserveNow", reserve, WITH_REQUEST),
    "cancel_reservation": Command("CancelReservation", lambda p: {"reservationId": p["reservation"]}),
    "send_local_list": Command("SendLocalList", send_local_list),
    "change_configuration": Command("SetVariables", change_configuration),
    "get_configuration": Command("GetVariables", get_configuration, WITH_REQUEST),
    "update_firmware": Command("UpdateFirmware", update_firmware, WITH_REQUEST),
    "get_diagnostics": Command("GetLog", get_diagnostics, WITH_REQUEST),
    "trigger_message": Command("TriggerMessage", trigger_message, WITH_REQUEST),
    "clear_cache": Command("ClearCache", lambda p: {}),
    "set_charging_profile": Command("SetChargingProfile", set_charging_profile, WITH_REQUEST),
    "clear_charging_profile": Command("ClearChargingProfile", clear_charging_profile, WITH_REQUEST),
    "set_charging_limit": Command("SetChargingProfile", set_charging_limit, WITH_REQUEST),
    "clear_charging_limit": Command("ClearChargingProfile", clear_charging_limit),
    "data_transfer": Command("DataTransfer", data_transfer),
    # 1.6's security extension took these from 2.0.1, so their payloads are the same.
    "get_log": Command("GetLog", logs.get_log),
    "delete_certificate": Command("DeleteCertificate", lambda p: {"certificateHashData": security.hash_data(p)}),
    "certificate_signed": Command("CertificateSigned", certificate_signed),
    "install_certificate": Command("InstallCertificate", install_certificate),
    "get_installed_certificate_ids": Command("GetInstalledCertificateIds", get_installed_certificate_ids),
}


def register(protocol: Protocol, commands: dict[str, Command]) -> None:
    for domain_action, command in commands.items():
        protocol.translates(domain_action, command.call, with_request=command.with_request)(command.translate)


register(PROTOCOL, COMMANDS)
