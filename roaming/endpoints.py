"""The modules we offer in 2.2.1, as our version details list them. Each module's URL is under
the role we play in it: /ocpi/cpo/2.2.1/<module> as CPO, /ocpi/emsp/2.2.1/<module> as EMSP;
credentials, being symmetric, is under /ocpi/2.2.1/."""

from roaming import parties

# (identifier, InterfaceRole, path below /ocpi/)
OURS: list[tuple[str, str, str]] = [
    ("credentials", "SENDER", "2.2.1/credentials"),
    ("credentials", "RECEIVER", "2.2.1/credentials"),
    ("locations", "SENDER", "cpo/2.2.1/locations"),
    ("tariffs", "SENDER", "cpo/2.2.1/tariffs"),
    ("sessions", "SENDER", "cpo/2.2.1/sessions"),
    ("cdrs", "SENDER", "cpo/2.2.1/cdrs"),
    ("tokens", "RECEIVER", "cpo/2.2.1/tokens"),
    ("commands", "RECEIVER", "cpo/2.2.1/commands"),
    ("tokens", "SENDER", "emsp/2.2.1/tokens"),
    ("locations", "RECEIVER", "emsp/2.2.1/locations"),
    ("tariffs", "RECEIVER", "emsp/2.2.1/tariffs"),
    ("sessions", "RECEIVER", "emsp/2.2.1/sessions"),
    ("cdrs", "RECEIVER", "emsp/2.2.1/cdrs"),
    ("commands", "SENDER", "emsp/2.2.1/commands"),
]


def our_endpoints() -> list[dict]:
    return [{"identifier": identifier, "role": role, "url": parties.url(path)} for identifier, role, path in OURS]
