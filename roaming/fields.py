"""OCPI 2.2.1 field types ("Types" part of the spec) and a small schema that checks an
incoming object against them. A failed check raises OcpiError 2001 naming the field, so a
partner learns exactly what to fix and nothing of the object is stored."""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from roaming.envelope import OcpiError, Status

# Printable ASCII only; CiString adds case-insensitivity (callers compare upper-cased).
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
_URL = re.compile(r"https?://[^\s]+")


class Field:
    def __init__(self, *, required: bool = True):
        self.required = required

    def clean(self, value, path: str):
        raise NotImplementedError

    def fail(self, path: str, problem: str):
        raise OcpiError(Status.INVALID_PARAMETERS, f"{path}: {problem}")


class CiString(Field):
    """Case-insensitive printable ASCII of at most `max_length` characters."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def clean(self, value, path):
        if not isinstance(value, str):
            self.fail(path, "must be a string")
        if not _PRINTABLE_ASCII.fullmatch(value):
            self.fail(path, "must be printable ASCII")
        if len(value) > self.max_length:
            self.fail(path, f"longer than {self.max_length} characters")
        return value


class String(CiString):
    """Case-sensitive printable UTF-8 of at most `max_length` characters."""

    def clean(self, value, path):
        if not isinstance(value, str):
            self.fail(path, "must be a string")
        if any(not character.isprintable() for character in value):
            self.fail(path, "must not contain control characters")
        if len(value) > self.max_length:
            self.fail(path, f"longer than {self.max_length} characters")
        return value


class Url(String):
    def __init__(self, **kwargs):
        super().__init__(255, **kwargs)

    def clean(self, value, path):
        value = super().clean(value, path)
        if not _URL.fullmatch(value):
            self.fail(path, "is not an http(s) URL")
        return value


class Enum(Field):
    def __init__(self, values, **kwargs):
        super().__init__(**kwargs)
        self.values = set(values)

    def clean(self, value, path):
        if value not in self.values:
            self.fail(path, f"{value!r} is not one of {', '.join(sorted(self.values))}")
        return value


class DateTime(Field):
    def clean(self, value, path):
        if not isinstance(value, str) or len(value) > 25:
            self.fail(path, "must be a DateTime like 2015-06-29T20:39:09Z")
        return datetime_parse(value, path)


class Integer(Field):
    def clean(self, value, path):
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, "must be an integer")
        return value


class Number(Field):
    def clean(self, value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(path, "must be a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(path, "must be a number")
        if not number.is_finite():
            self.fail(path, "must be a finite number")
        return number


class Boolean(Field):
    def clean(self, value, path):
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
        return value


class Object(Field):
    """A nested object described by a dict of field name → Field."""

    def __init__(self, fields: dict[str, Field], **kwargs):
        super().__init__(**kwargs)
        self.fields = fields

    def clean(self, value, path, *, partial: bool = False):
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
        cleaned = {}
        for name, field in self.fields.items():
            where = f"{path}.{name}" if path else name
            if value.get(name) is None:
                if field.required and not partial:
                    self.fail(where, "is required")
                if name in value:
                    cleaned[name] = None
                continue
            cleaned[name] = field.clean(value[name], where)
        return cleaned


class List(Field):
    def __init__(self, item: Field, *, min_items: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.item = item
        self.min_items = min_items

    def clean(self, value, path):
        if not isinstance(value, list):
            self.fail(path, "must be a list")
        if len(value) < self.min_items:
            self.fail(path, f"needs at least {self.min_items} item(s)")
        return [self.item.clean(item, f"{path}[{index}]") for index, item in enumerate(value)]


def datetime_parse(value: str, path: str = "DateTime") -> datetime:
    """OCPI DateTimes are UTC; a missing zone means UTC (the spec's examples omit it too)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise OcpiError(Status.INVALID_PARAMETERS, f"{path}: {value!r} is not a DateTime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def datetime_format(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
