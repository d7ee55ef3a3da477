"""OCPP-J framing, the same for 1.6, 2.0.1 and 2.1: `[2, id, action, payload]` (CALL),
`[3, id, payload]` (CALLRESULT), `[4, id, code, description, details]` (CALLERROR); OCPP 2.1
adds `[5, id, code, description, details]` (CALLRESULTERROR: the answer to a CALLRESULT
that could not be taken) and `[6, id, action, payload]` (SEND: a CALL that gets no answer).

`parse()` turns a text frame into a Frame or raises FrameError carrying the CALLERROR to
answer with; it knows nothing about actions or schemas (that is the protocol module's)."""

import json
import re
from dataclasses import dataclass, field

import orjson

CALL = 2
CALLRESULT = 3
CALLERROR = 4
CALLRESULTERROR = 5
SEND = 6
MAX_MESSAGE_ID_LENGTH = 36
# Answer id when the frame's own id cannot be read (the convention OCPP 2.0.1 sets).
UNKNOWN_ID = "-1"
_LEADING_ID = re.compile(r'^\s*\[\s*\d+\s*,\s*"([^"\\]{1,36})"')
# orjson reads an integer outside 64 bits as a float, silently; the standard library keeps
# it an int (which the protocol then refuses by name). 19 digits and more go that way.
_LONG_DIGITS = re.compile(r"\d{19}")


@dataclass(frozen=True)
class Frame:
    message_type: int
    message_id: str
    action: str = ""
    payload: dict | None = None
    error_code: str = ""
    error_description: str = ""
    error_details: dict = field(default_factory=dict)


class FrameError(Exception):
    """A frame we cannot accept; `message_id` is what to answer to (UNKNOWN_ID if unreadable)."""

    def __init__(self, *, code: str, description: str, message_id: str = UNKNOWN_ID, ignore: bool = False):
        super().__init__(description)
        self.code = code
        self.description = description
        self.message_id = message_id
        # Frames that get no answer (unknown message type, malformed responses).
        self.ignore = ignore


class UnknownMessageType(FrameError):
    pass


def leading_message_id(text: str) -> str:
    """The message id of a frame too large or broken to parse, when it can be seen cheaply."""
    match = _LEADING_ID.match(text[:64])
    return match.group(1) if match else UNKNOWN_ID


def parse(text: str, *, formation_violation: str, send_frames: bool = False) -> Frame:
    """`formation_violation` is the protocol's name for that error ("FormationViolation"
    in 1.6, "FormatViolation" from 2.0.1); `send_frames`: the protocol speaks SEND and
    CALLRESULTERROR (2.1)."""
    try:
        message = _loads(text)
    except ValueError as error:
        message_id = leading_message_id(text)
        if message_id != UNKNOWN_ID:
            raise FrameError(
                code=formation_violation, description="Frame is not valid JSON.", message_id=message_id
            ) from error
        raise FrameError(code="ProtocolError", description="Frame is not valid JSON.") from error
    if not isinstance(message, list) or not message:
        raise FrameError(code="ProtocolError", description="Frame is not a non-empty JSON array.")
    message_type = message[0]
    message_id = message[1] if len(message) > 1 and isinstance(message[1], str) else None
    if message_id is None:
        raise FrameError(code="ProtocolError", description="Frame has no readable message id.")
    if not message_id or len(message_id) > MAX_MESSAGE_ID_LENGTH:
        raise FrameError(
            code=formation_violation,
            description=f"Message id must be 1–{MAX_MESSAGE_ID_LENGTH} characters.",
            message_id=message_id[:MAX_MESSAGE_ID_LENGTH] or UNKNOWN_ID,
        )
    if message_type == CALL:
        return _call(message, message_id, formation_violation)
    if message_type == CALLRESULT:
        if len(message) != 3 or not isinstance(message[2], dict):
            raise FrameError(
                code=formation_violation, description="Malformed CALLRESULT.", message_id=message_id, ignore=True
            )
        return Frame(message_type=CALLRESULT, message_id=message_id, payload=message[2])
    if message_type == CALLERROR:
        return _call_error(message, message_id, formation_violation)
    if send_frames and message_type == SEND:
        try:
            call_frame = _call(message, message_id, formation_violation)
        except FrameError as error:
            # A SEND is never answered, not even with a CALLERROR.
            error.ignore = True
            raise
        return Frame(message_type=SEND, message_id=message_id, action=call_frame.action, payload=call_frame.payload)
    if send_frames and message_type == CALLRESULTERROR:
        error_frame = _call_error(message, message_id, formation_violation)
        return Frame(
            message_type=CALLRESULTERROR,
            message_id=message_id,
            error_code=error_frame.error_code,
            error_description=error_frame.error_description,
            error_details=error_frame.error_details,
        )
    raise UnknownMessageType(
        code=formation_violation,
        description=f"Unknown message type {message_type!r}.",
        message_id=message_id,
        ignore=True,
    )


def _call(message: list, message_id: str, formation_violation: str) -> Frame:
    if len(message) != 4 or not isinstance(message[2], str) or not message[2]:
        raise FrameError(
            code=formation_violation, description="A CALL is [2, id, action, payload].", message_id=message_id
        )
    if not isinstance(message[3], dict):
        raise FrameError(
            code=formation_violation, description="A CALL payload must be a JSON object.", message_id=message_id
        )
    return Frame(message_type=CALL, message_id=message_id, action=message[2], payload=message[3])


def _call_error(message: list, message_id: str, formation_violation: str) -> Frame:
    if len(message) < 4 or not isinstance(message[2], str):
        raise FrameError(
            code=formation_violation, description="Malformed CALLERROR.", message_id=message_id, ignore=True
        )
    details = message[4] if len(message) > 4 and isinstance(message[4], dict) else {}
    return Frame(
        message_type=CALLERROR,
        message_id=message_id,
        error_code=message[2],
        error_description=str(message[3])[:1000],
        error_details=details,
    )


def _loads(text: str):
    """orjson, and the standard library for what orjson refuses or reads otherwise (NaN,
    Infinity, lone surrogate escapes, integers beyond 64 bits): a frame parses, and is
    classified, exactly as with json.loads alone (an id of 2**70 stays an int that the
    protocol refuses as a TypeConstraintViolation)."""
    if _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


# datetimes and dataclasses through `default=str` as json.dumps did, not orjson's own forms.
_DUMPS_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(message: list) -> str:
    try:
        return orjson.dumps(message, default=str, option=_DUMPS_OPTIONS).decode()
    except TypeError:
        # orjson.JSONEncodeError: an integer beyond 64 bits, say; the standard library writes it.
        return json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)


def call(message_id: str, action: str, payload: dict) -> str:
    return dumps([CALL, message_id, action, payload])


def call_result(message_id: str, payload: dict) -> str:
    return dumps([CALLRESULT, message_id, payload])


def call_error(message_id: str, code: str, description: str, details: dict | None = None) -> str:
    return dumps([CALLERROR, message_id, code, description, details or {}])


def call_result_error(message_id: str, code: str, description: str, details: dict | None = None) -> str:
    return dumps([CALLRESULTERROR, message_id, code, description, details or {}])
