import functools
import re
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError

# OCPP-J puts the identity in the URL path; keep to characters that need no escaping
# (RFC 3986 unreserved) plus a few that chargers commonly use.
IDENTITY_PATTERN = re.compile(r"^[A-Za-z0-9._~:*@|+-]{1,48}$")

MIN_POWER_KW = Decimal("3.7")
MAX_POWER_KW = Decimal("600")


def validate_identity(value: str) -> None:
    if not IDENTITY_PATTERN.match(value or ""):
        raise ValidationError(
            "An OCPP identity is 1–48 characters of letters, digits and . _ ~ : * @ | + -",
            code="invalid_identity",
        )


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    # A set lookup rather than ZoneInfo(value): arbitrary input reaches the file system
    # there and fails with OSError (e.g. a name longer than a file name may be).
    if value not in _known_time_zones():
        raise ValidationError(f"{value[:64]!r} is not an IANA time zone.", code="invalid_time_zone")


def validate_latitude(value: Decimal) -> None:
    if not Decimal("-90") <= value <= Decimal("90"):
        raise ValidationError("Latitude must be between -90 and 90.", code="invalid_latitude")


def validate_longitude(value: Decimal) -> None:
    if not Decimal("-180") <= value <= Decimal("180"):
        raise ValidationError("Longitude must be between -180 and 180.", code="invalid_longitude")


def validate_max_power_kw(value: Decimal) -> None:
    if not MIN_POWER_KW <= value <= MAX_POWER_KW:
        raise ValidationError(
            f"Maximum power must be between {MIN_POWER_KW} and {MAX_POWER_KW} kW.", code="invalid_power"
        )


# SEPA creditor identifier (EPC262-08): country, two check digits, a three-character
# business code the check ignores, then the national identifier (at most 28 in all).
CREDITOR_ID_PATTERN = re.compile(r"^([A-Z]{2})(\d{2})([0-9A-Z]{3})([0-9A-Z]{1,28})$")


def validate_sepa_creditor_id(value: str) -> None:
    match = CREDITOR_ID_PATTERN.match(value or "")
    if match is None or len(value) > 35:
        raise ValidationError(
            "A SEPA creditor identifier is a country code, two check digits, a three-character "
            "business code and the national identifier, e.g. DE98ZZZ09999999999.",
            code="invalid_creditor_id",
        )
    country, check, _business, national = match.groups()
    # ISO 7064 MOD 97-10 over the national identifier, the country and the check digits,
    # letters counted as two digits (A=10 … Z=35), exactly as for an IBAN.
    digits = "".join(str(int(char, 36)) for char in national + country + check)
    if int(digits) % 97 != 1:
        raise ValidationError(f"{value}: the check digits do not match.", code="invalid_creditor_id")
