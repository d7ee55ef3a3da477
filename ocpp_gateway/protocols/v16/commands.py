"""Domain command requests in OCPP 1.6J: one translation per domain action, from the
request's neutral parameters to the 1.6 CALL. OCPP 2.0.1 is one more table like this one
(start → RequestStartTransaction with an evseId, stop with the charger's string
transaction id, …); the outbox and the domain do not change."""

from ocpp.charge_point import snake_to_camel_case

from ocpp_gateway.protocols.base import OcppCallError, format_time, parse_time
from ocpp_gateway.protocols.v16 import PROTOCOL

translates = PROTOCOL.translates
# Messages only the security extension's ExtendedTriggerMessage can ask for.
EXTENDED_TRIGGERS = {
    "sign_certificate": "SignChargePointCertificate",
    "log_status_notification": "LogStatusNotification",
}


def _optional(**fields) -> dict:
    return {name: value for name, value in fields.items() if value is not None}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


@translates("start", "RemoteStartTransaction")
def start(p: dict) -> dict:
    profile = p.get("charging_profile")
    return {
        "connectorId": p["connector"],
        "idTag": p["id_tag"],
        **({"chargingProfile": snake_to_camel_case(profile)} if profile else {}),
    }


@translates("stop", "RemoteStopTransaction")
def stop(p: dict) -> dict:
    # The 1.6 gateway hands out the session's primary key as the integer transactionId.
    return {"transactionId": int(p["session"])}


@translates("cost_update", "CostUpdated")
def cost_update(p: dict) -> dict:
    # 1.6 has no running-cost message (2.0.1's CostUpdated); the request is refused when queued.
    raise OcppCallError("NotSupported", "OCPP 1.6 has no message for a session's running cost.")


@translates("reset", "Reset")
def reset(p: dict) -> dict:
    return {"type": p["type"].capitalize()}


@translates("unlock", "UnlockConnector")
def unlock(p: dict) -> dict:
    return {"connectorId": p["connector"]}


@translates("set_availability", "ChangeAvailability")
def set_availability(p: dict) -> dict:
    return {
        "connectorId": p["connector"],
        "type": "Operative" if p["operative"] else "Inoperative",
    }


@translates("reserve", "ReserveNow")
def reserve(p: dict) -> dict:
    return {
        "connectorId": p["connector"],
        "expiryDate": p["expires_at"],
        "idTag": p["id_tag"],
        "reservationId": p["reservation"],
        **_optional(parentIdTag=p.get("parent_id_tag") or None),
    }


@translates("cancel_reservation", "CancelReservation")
def cancel_reservation(p: dict) -> dict:
    return {"reservationId": p["reservation"]}


@translates("send_local_list", "SendLocalList")
def send_local_list(p: dict) -> dict:
    entries = [_list_entry(entry) for entry in p.get("entries") or []]
    return {
        "listVersion": p["version"],
        "updateType": p["update"].capitalize(),
        **({"localAuthorizationList": entries} if entries else {}),
    }


def _list_entry(entry: dict) -> dict:
    """A neutral entry {"id_tag", "status"?, "expires_at"?, "parent_id_tag"?}; without a
    status the differential update removes the idTag from the list."""
    if not entry.get("status"):
        return {"idTag": entry["id_tag"]}
    info = _optional(expiryDate=entry.get("expires_at"), parentIdTag=entry.get("parent_id_tag"))
    return {"idTag": entry["id_tag"], "idTagInfo": {"status": _camel(entry["status"]), **info}}


@translates("change_configuration", "ChangeConfiguration")
def change_configuration(p: dict) -> dict:
    return {"key": p["key"], "value": p["value"]}


@translates("get_configuration", "GetConfiguration")
def get_configuration(p: dict) -> dict:
    return {"key": p["keys"]} if p.get("keys") else {}


@translates("update_firmware", "UpdateFirmware")
def update_firmware(p: dict) -> dict | tuple[str, dict]:
    if p.get("signature") or p.get("signing_certificate"):
        return "SignedUpdateFirmware", signed_update_firmware(p)
    return {
        "location": p["location"],
        "retrieveDate": p["retrieve_at"],
        **_optional(retries=p.get("retries"), retryInterval=p.get("retry_interval")),
    }


@translates("get_diagnostics", "GetDiagnostics")
def get_diagnostics(p: dict) -> dict:
    return {
        "location": p["location"],
        **_optional(
            startTime=p.get("start_at"),
            stopTime=p.get("stop_at"),
            retries=p.get("retries"),
            retryInterval=p.get("retry_interval"),
        ),
    }


@translates("trigger_message", "TriggerMessage")
def trigger_message(p: dict) -> dict | tuple[str, dict]:
    connector = _optional(connectorId=p.get("connector"))
    if p["message"] in EXTENDED_TRIGGERS:
        return "ExtendedTriggerMessage", {"requestedMessage": EXTENDED_TRIGGERS[p["message"]], **connector}
    return {"requestedMessage": _camel(p["message"]), **connector}


@translates("clear_cache", "ClearCache")
def clear_cache(p: dict) -> dict:
    return {}


@translates("set_charging_profile", "SetChargingProfile")
def set_charging_profile(p: dict) -> dict:
    return {
        "connectorId": p["connector"],
        "csChargingProfiles": snake_to_camel_case(p["profile"]),
    }


@translates("clear_charging_profile", "ClearChargingProfile")
def clear_charging_profile(p: dict) -> dict:
    return _optional(
        id=p.get("profile_id"),
        connectorId=p.get("connector"),
        chargingProfilePurpose=p.get("purpose"),
        stackLevel=p.get("stack_level"),
    )


@translates("data_transfer", "DataTransfer")
def data_transfer(p: dict) -> dict:
    return {
        "vendorId": p["vendor_id"],
        **_optional(messageId=p.get("message_id"), data=p.get("data")),
    }


# Load management's profiles carry ids of their own, one per connector (0: the station's
# fail-safe default), so that each new limit replaces the last and staff profiles are untouched.
LOAD_PROFILE_ID = 9000
LOAD_STACK_LEVEL = 1


@translates("set_charging_limit", "SetChargingProfile")
def set_charging_limit(p: dict) -> dict:
    session_scope = p["scope"] == "session"
    profile = {
        "chargingProfileId": LOAD_PROFILE_ID + p["connector"],
        "stackLevel": LOAD_STACK_LEVEL,
        "chargingProfilePurpose": "TxProfile" if session_scope else "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": p["unit"],
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": float(p["limit"]), **_optional(numberPhases=p.get("phases"))}
            ],
        },
        **({"transactionId": int(p["session"])} if session_scope else {}),
    }
    return {"connectorId": p["connector"], "csChargingProfiles": profile}


@translates("clear_charging_limit", "ClearChargingProfile")
def clear_charging_limit(p: dict) -> dict:
    connector = p.get("connector", 0) if p["scope"] == "session" else 0
    return {"id": LOAD_PROFILE_ID + connector}


def signed_update_firmware(p: dict) -> dict:
    missing = [name for name in ("request_id", "signing_certificate", "signature") if not p.get(name)]
    if missing:
        raise OcppCallError("OccurenceConstraintViolation", f"A signed firmware update needs {', '.join(missing)}.")
    # Times formatted here: the gateway's formatting of schema dateTimes does not follow $refs.
    install_at = p.get("install_at")
    firmware = {
        "location": p["location"],
        "retrieveDateTime": format_time(parse_time(p["retrieve_at"], "retrieve_at")),
        "signingCertificate": p["signing_certificate"],
        "signature": p["signature"],
        **_optional(installDateTime=format_time(parse_time(install_at, "install_at")) if install_at else None),
    }
    return {
        "requestId": p["request_id"],
        "firmware": firmware,
        **_optional(retries=p.get("retries"), retryInterval=p.get("retry_interval")),
    }
