"""OCPP 2.0.1 block C (authorization), charger→CSMS: Authorize, by IdToken type
(id_tokens.py); the decision is the drivers' one rule (token_authorization)."""

from ocpp.v201.enums import Action

from drivers.selectors.tokens import token_authorization
from ocpp_gateway.protocols.base import CallContext
from ocpp_gateway.protocols.v201 import PROTOCOL
from ocpp_gateway.protocols.v201.id_tokens import id_tag_of, info_of
from stations.models import ChargingStation


@PROTOCOL.on(Action.authorize)
def authorize(ctx: CallContext, *, id_token: dict, **_) -> dict:
    id_tag = id_tag_of(id_token)
    if id_token.get("type") == "NoAuthorization":
        # Free vend (C01): accepted only where the station allows free charging.
        free = ChargingStation.objects.filter(pk=ctx.station_id, free_vend=True).exists()
        return {"idTokenInfo": {"status": "Accepted" if free else "Invalid"}}
    if not id_tag:
        return {"idTokenInfo": {"status": "Invalid"}}
    return {"idTokenInfo": info_of(token_authorization(id_tag=id_tag))}
