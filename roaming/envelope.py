"""The OCPI response envelope (data, status_code, status_message, timestamp), its status
codes, and the HTTP status each is answered with.

HTTP pairing, from the spec's "Status codes": a request that is valid JSON, authenticated and
addresses an existing resource has reached the OCPI layer and gets HTTP 200 (201 when a push
created the object) whatever its OCPI status; unparseable JSON is 400, a missing or unknown
token 401, an object that does not exist 404 (2003/2004 where the module says so), a
credentials call in the wrong registration state 405, an unexpected failure 500 with 3000."""

from datetime import UTC, datetime
from enum import IntEnum

from django.http import JsonResponse


class Status(IntEnum):
    SUCCESS = 1000
    CLIENT_ERROR = 2000
    INVALID_PARAMETERS = 2001
    NOT_ENOUGH_INFORMATION = 2002
    UNKNOWN_LOCATION = 2003
    UNKNOWN_TOKEN = 2004
    SERVER_ERROR = 3000
    CLIENT_API_UNUSABLE = 3001
    UNSUPPORTED_VERSION = 3002
    NO_MATCHING_ENDPOINTS = 3003


class OcpiError(Exception):
    """A refusal in OCPI's words: the status code, a message for the partner's developer,
    and the HTTP status to send it with (200 once the request reached the OCPI layer)."""

    def __init__(self, status: Status, message: str, *, http_status: int = 200):
        super().__init__(message)
        self.status = status
        self.message = message
        self.http_status = http_status


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def envelope(*, data=None, status: Status = Status.SUCCESS, message: str | None = None) -> dict:
    body = {"status_code": int(status), "timestamp": now_text()}
    if data is not None:
        body["data"] = data
    if message:
        body["status_message"] = message[:255]
    return body


def ocpi_response(data=None, *, status: Status = Status.SUCCESS, message=None, http_status: int = 200) -> JsonResponse:
    return JsonResponse(envelope(data=data, status=status, message=message), status=http_status, safe=False)
