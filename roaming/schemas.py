"""OCPI 2.2.1 objects we accept, described with the spec's field types and lengths."""

from roaming import fields as f

ROLES = ["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"]

BUSINESS_DETAILS = f.Object(
    {
        "name": f.String(100),
        "website": f.Url(required=False),
        "logo": f.Object(
            {
                "url": f.Url(),
                "thumbnail": f.Url(required=False),
                "category": f.Enum(["CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"]),
                "type": f.CiString(4),
                "width": f.Integer(required=False),
                "height": f.Integer(required=False),
            },
            required=False,
        ),
    }
)


class CredentialsToken(f.String):
    """Printable non-whitespace ASCII (U+0021..U+007E), at most 64 characters."""

    def __init__(self):
        super().__init__(64)

    def clean(self, value, path):
        value = super().clean(value, path)
        if not value or any(not "\x21" <= character <= "\x7e" for character in value):
            self.fail(path, "must be 1..64 printable non-whitespace ASCII characters")
        return value


CREDENTIALS = f.Object(
    {
        "token": CredentialsToken(),
        "url": f.Url(),
        "roles": f.List(
            f.Object(
                {
                    "role": f.Enum(ROLES),
                    "business_details": BUSINESS_DETAILS,
                    "party_id": f.CiString(3),
                    "country_code": f.CiString(2),
                }
            ),
            min_items=1,
        ),
    }
)

VERSION = f.Object({"version": f.CiString(10), "url": f.Url()})
ENDPOINT = f.Object(
    {
        "identifier": f.CiString(50),
        "role": f.Enum(["SENDER", "RECEIVER"]),
        "url": f.Url(),
    }
)
VERSION_DETAILS = f.Object({"version": f.CiString(10), "endpoints": f.List(ENDPOINT, min_items=1)})

TOKEN_TYPES = ["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
TOKEN = f.Object(
    {
        "country_code": f.CiString(2),
        "party_id": f.CiString(3),
        "uid": f.CiString(36),
        "type": f.Enum(TOKEN_TYPES),
        "contract_id": f.CiString(36),
        "visual_number": f.String(64, required=False),
        "issuer": f.String(64),
        "group_id": f.CiString(36, required=False),
        "valid": f.Boolean(),
        "whitelist": f.Enum(["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]),
        "language": f.String(2, required=False),
        "default_profile_type": f.Enum(["CHEAP", "FAST", "GREEN", "REGULAR"], required=False),
        "energy_contract": f.Object(
            {"supplier_name": f.String(64), "contract_id": f.CiString(64, required=False)}, required=False
        ),
        "last_updated": f.DateTime(),
    }
)
AUTHORIZATION_INFO = f.Object(
    {
        "allowed": f.Enum(["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]),
        "token": TOKEN,
        "location": f.Object(
            {"location_id": f.CiString(36), "evse_uids": f.List(f.CiString(36), required=False)}, required=False
        ),
        "authorization_reference": f.CiString(36, required=False),
        "info": f.Object({"language": f.String(2), "text": f.String(512)}, required=False),
    }
)

COMMAND_TYPES = ["CANCEL_RESERVATION", "RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR"]
START_SESSION = f.Object(
    {
        "response_url": f.Url(),
        "token": TOKEN,
        "location_id": f.CiString(36),
        "evse_uid": f.CiString(36, required=False),
        "connector_id": f.CiString(36, required=False),
        "authorization_reference": f.CiString(36, required=False),
    }
)
STOP_SESSION = f.Object({"response_url": f.Url(), "session_id": f.CiString(36)})
UNLOCK_CONNECTOR = f.Object(
    {"response_url": f.Url(), "location_id": f.CiString(36), "evse_uid": f.CiString(36), "connector_id": f.CiString(36)}
)
RESERVE_NOW = f.Object(
    {
        "response_url": f.Url(),
        "token": TOKEN,
        "expiry_date": f.DateTime(),
        "reservation_id": f.CiString(36),
        "location_id": f.CiString(36),
        "evse_uid": f.CiString(36, required=False),
        "authorization_reference": f.CiString(36, required=False),
    }
)
CANCEL_RESERVATION = f.Object({"response_url": f.Url(), "reservation_id": f.CiString(36)})
COMMAND_BODIES = {
    "START_SESSION": START_SESSION,
    "STOP_SESSION": STOP_SESSION,
    "UNLOCK_CONNECTOR": UNLOCK_CONNECTOR,
    "RESERVE_NOW": RESERVE_NOW,
    "CANCEL_RESERVATION": CANCEL_RESERVATION,
}

DISPLAY_TEXT = f.Object({"language": f.String(2), "text": f.String(512)})
GEO = f.Object({"latitude": f.String(10), "longitude": f.String(11)})
CONNECTOR = f.Object(
    {
        "id": f.CiString(36),
        "standard": f.CiString(30),
        "format": f.Enum(["SOCKET", "CABLE"]),
        "power_type": f.Enum(["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]),
        "max_voltage": f.Integer(),
        "max_amperage": f.Integer(),
        "max_electric_power": f.Integer(required=False),
        "tariff_ids": f.List(f.CiString(36), required=False),
        "terms_and_conditions": f.Url(required=False),
        "last_updated": f.DateTime(),
    }
)
EVSE_STATUSES = ["AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED", "REMOVED", "RESERVED",
                 "UNKNOWN"]  # fmt: skip
EVSE = f.Object(
    {
        "uid": f.CiString(36),
        "evse_id": f.CiString(48, required=False),
        "status": f.Enum(EVSE_STATUSES),
        "capabilities": f.List(f.CiString(40), required=False),
        "connectors": f.List(CONNECTOR, min_items=1),
        "floor_level": f.String(4, required=False),
        "coordinates": f.Object(GEO.fields, required=False),
        "physical_reference": f.String(16, required=False),
        "directions": f.List(DISPLAY_TEXT, required=False),
        "last_updated": f.DateTime(),
    }
)
LOCATION = f.Object(
    {
        "country_code": f.CiString(2),
        "party_id": f.CiString(3),
        "id": f.CiString(36),
        "publish": f.Boolean(),
        "name": f.String(255, required=False),
        "address": f.String(45),
        "city": f.String(45),
        "postal_code": f.String(10, required=False),
        "state": f.String(20, required=False),
        "country": f.String(3),
        "coordinates": GEO,
        "evses": f.List(EVSE, required=False),
        "operator": f.Object(BUSINESS_DETAILS.fields, required=False),
        "time_zone": f.String(255),
        "last_updated": f.DateTime(),
    }
)

PRICE = f.Object({"excl_vat": f.Number(), "incl_vat": f.Number(required=False)})
CDR_TOKEN = f.Object(
    {
        "country_code": f.CiString(2),
        "party_id": f.CiString(3),
        "uid": f.CiString(36),
        "type": f.Enum(TOKEN_TYPES),
        "contract_id": f.CiString(36),
    }
)
AUTH_METHODS = ["AUTH_REQUEST", "COMMAND", "WHITELIST"]
SESSION = f.Object(
    {
        "country_code": f.CiString(2),
        "party_id": f.CiString(3),
        "id": f.CiString(36),
        "start_date_time": f.DateTime(),
        "end_date_time": f.DateTime(required=False),
        "kwh": f.Number(),
        "cdr_token": CDR_TOKEN,
        "auth_method": f.Enum(AUTH_METHODS),
        "authorization_reference": f.CiString(36, required=False),
        "location_id": f.CiString(36),
        "evse_uid": f.CiString(36),
        "connector_id": f.CiString(36),
        "meter_id": f.String(255, required=False),
        "currency": f.String(3),
        "total_cost": f.Object(PRICE.fields, required=False),
        "status": f.Enum(["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]),
        "last_updated": f.DateTime(),
    }
)
CDR = f.Object(
    {
        "country_code": f.CiString(2),
        "party_id": f.CiString(3),
        "id": f.CiString(39),
        "start_date_time": f.DateTime(),
        "end_date_time": f.DateTime(),
        "session_id": f.CiString(36, required=False),
        "cdr_token": CDR_TOKEN,
        "auth_method": f.Enum(AUTH_METHODS),
        "cdr_location": f.Object(
            {
                "id": f.CiString(36),
                "address": f.String(45),
                "city": f.String(45),
                "country": f.String(3),
                "coordinates": GEO,
                "evse_uid": f.CiString(36),
                "evse_id": f.CiString(48),
                "connector_id": f.CiString(36),
                "connector_standard": f.CiString(30),
                "connector_format": f.Enum(["SOCKET", "CABLE"]),
                "connector_power_type": f.CiString(20),
            }
        ),
        "currency": f.String(3),
        "charging_periods": f.List(
            f.Object(
                {
                    "start_date_time": f.DateTime(),
                    "dimensions": f.List(f.Object({"type": f.CiString(20), "volume": f.Number()}), min_items=1),
                }
            ),
            min_items=1,
        ),
        "total_cost": PRICE,
        "total_energy": f.Number(),
        "total_time": f.Number(),
        "credit": f.Boolean(required=False),
        "credit_reference_id": f.CiString(39, required=False),
        "last_updated": f.DateTime(),
    }
)

TARIFF = f.Object(
    {
        "country_code": f.CiString(2),
        "party_id": f.CiString(3),
        "id": f.CiString(36),
        "currency": f.String(3),
        "type": f.Enum(["AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"], required=False),
        "tariff_alt_text": f.List(DISPLAY_TEXT, required=False),
        "tariff_alt_url": f.Url(required=False),
        "min_price": f.Object(PRICE.fields, required=False),
        "max_price": f.Object(PRICE.fields, required=False),
        "elements": f.List(
            f.Object(
                {
                    "price_components": f.List(
                        f.Object(
                            {
                                "type": f.Enum(["ENERGY", "FLAT", "PARKING_TIME", "TIME"]),
                                "price": f.Number(),
                                "vat": f.Number(required=False),
                                "step_size": f.Integer(),
                            }
                        ),
                        min_items=1,
                    ),
                    "restrictions": f.Object({}, required=False),
                }
            ),
            min_items=1,
        ),
        "start_date_time": f.DateTime(required=False),
        "end_date_time": f.DateTime(required=False),
        "last_updated": f.DateTime(),
    }
)
