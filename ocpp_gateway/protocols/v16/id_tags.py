"""idTagInfo as OCPP 1.6 sends it in Authorize, StartTransaction and StopTransaction."""

from datetime import datetime

from ocpp.v16 import datatypes
from ocpp.v16.enums import AuthorizationStatus

from ocpp_gateway.protocols.base import format_time


def id_tag_info(*, status: str, expiry_date: datetime | None = None, parent_id_tag: str | None = None):
    return datatypes.IdTagInfo(
        status=AuthorizationStatus(status),
        parent_id_tag=parent_id_tag or None,
        expiry_date=format_time(expiry_date) if expiry_date else None,
    )
