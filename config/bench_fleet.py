"""Identities, passwords and driver tokens of the bench fleet (provisioned by
`provision_bench_stations`, used by the load generator in bench/). Each station gets its
own password, derived from a seed, and a driver token per connector, derived from its
identity, so that the load generator can compute both without reading the database. For
bench databases only: the seed is not a secret."""

import hashlib
import hmac

DEFAULT_PREFIX = "BENCH"
DEFAULT_SEED = "evcms-bench"
ID_TAG_PREFIX = "BT"


def identity(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


def station_password(*, seed: str, identity: str) -> str:
    """32 characters: within the 16–40 the OCPP 1.6 security whitepaper asks for."""
    return hmac.new(seed.encode(), identity.encode(), hashlib.sha256).hexdigest()[:32]


def id_tag(identity: str, connector: int) -> str:
    """The token the driver at a station's connector presents. One per connector, because a
    token may be in one transaction at a time (a second start with it is refused
    ConcurrentTx) and both connectors of a station may be charging. 20 characters, OCPP
    1.6's idTag limit; 72 bits of hash keep 10,000s of them distinct."""
    return ID_TAG_PREFIX + hashlib.sha256(f"{identity}/{connector}".encode()).hexdigest()[:18].upper()


def fleet(*, count: int, prefix: str = DEFAULT_PREFIX, seed: str = DEFAULT_SEED) -> list[tuple[str, str]]:
    """[(identity, password)] for stations 1..count."""
    return [
        (name, station_password(seed=seed, identity=name))
        for name in (identity(prefix, number) for number in range(1, count + 1))
    ]
