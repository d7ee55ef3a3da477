"""OCPP 2.0.1 IdTokenType and IdTokenInfoType, and how they map to the domain's idTag
(a token's uid). An eMAID (ISO 15118 contract id) is looked up by the token's contract id;
every other type by its value. NoAuthorization carries no token: it is accepted only at
a station that allows free charging (ChargingStation.free_vend), whose session then has
no token or driver (stations.services.sessions.session_start)."""

from datetime import datetime

from drivers.models import Token
from drivers.selectors.tokens import AuthorizationResult, token_by_contract_id, token_by_id_tag
from ocpp_gateway.protocols.base import format_time

# Our token kinds as 2.0.1 IdTokenEnumType, for the tokens we send (remote start, local list).
TOKEN_TYPES = {Token.Kind.RFID: "ISO14443", Token.Kind.APP: "Central", Token.Kind.CONTRACT: "Central"}


def id_tag_of(id_token: dict | None) -> str:
    """The domain idTag of a (snake_case) IdTokenType; "" for none or NoAuthorization."""
    if not id_token or id_token.get("type") == "NoAuthorization":
        return ""
    value = id_token.get("id_token") or ""
    if id_token.get("type") == "eMAID":
        token = token_by_contract_id(contract_id=value)
        return token.uid if token is not None else value
    return value


def id_token_for(id_tag: str) -> dict:
    """The camelCase IdTokenType we send for the domain idTag `id_tag`."""
    token = token_by_id_tag(id_tag=id_tag)
    return {"idToken": id_tag, "type": TOKEN_TYPES.get(token.kind, "Central") if token else "Central"}


def id_token_info(*, status: str, expiry_date: datetime | None = None, parent_id_tag: str | None = None) -> dict:
    """A camelCase IdTokenInfoType (the 1.6 statuses are 2.0.1 statuses too)."""
    info: dict = {"status": status}
    if expiry_date is not None:
        info["cacheExpiryDateTime"] = format_time(expiry_date)
    if parent_id_tag:
        info["groupIdToken"] = {"idToken": parent_id_tag, "type": "Central"}
    return info


def info_of(authorization: AuthorizationResult) -> dict:
    return id_token_info(
        status=authorization.status, expiry_date=authorization.expiry_date, parent_id_tag=authorization.parent_id_tag
    )
