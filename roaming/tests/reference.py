"""Checks against an independent OCPI 2.2.1 implementation: the pydantic models of
extrawest-ocpi (py_ocpi). An object that our code sends or accepts must parse there too."""

from py_ocpi.core.schemas import OCPIResponse
from py_ocpi.modules.cdrs.v_2_2_1.schemas import Cdr
from py_ocpi.modules.commands.v_2_2_1.schemas import (
    CancelReservation,
    CommandResponse,
    CommandResult,
    ReserveNow,
    StartSession,
    StopSession,
)
from py_ocpi.modules.credentials.v_2_2_1.schemas import Credentials
from py_ocpi.modules.locations.v_2_2_1.schemas import EVSE, Connector, EVSEPartialUpdate, Location
from py_ocpi.modules.sessions.v_2_2_1.schemas import Session
from py_ocpi.modules.tariffs.v_2_2_1.schemas import Tariff
from py_ocpi.modules.tokens.v_2_2_1.schemas import AuthorizationInfo, Token, TokenPartialUpdate
from py_ocpi.modules.versions.schemas import Version
from py_ocpi.modules.versions.v_2_2_1.schemas import VersionDetail

MODELS = {
    "credentials": Credentials,
    "version": Version,
    "version_details": VersionDetail,
    "location": Location,
    "evse": EVSE,
    "connector": Connector,
    "evse_patch": EVSEPartialUpdate,
    "token": Token,
    "token_patch": TokenPartialUpdate,
    "authorization_info": AuthorizationInfo,
    "command_response": CommandResponse,
    "command_result": CommandResult,
    "start_session": StartSession,
    "stop_session": StopSession,
    "reserve_now": ReserveNow,
    "cancel_reservation": CancelReservation,
    "session": Session,
    "cdr": Cdr,
    "tariff": Tariff,
}


def valid(kind: str, data):
    """Parse `data` (an object or a list of them) with the reference model; raises if invalid."""
    model = MODELS[kind]
    if isinstance(data, list):
        return [model.parse_obj(item) for item in data]
    return model.parse_obj(data)


def valid_envelope(body: dict) -> dict:
    OCPIResponse.parse_obj({"data": {}, **body})
    assert isinstance(body["status_code"], int)
    assert body["timestamp"].endswith("Z")
    return body
