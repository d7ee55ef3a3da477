"""Identities and passwords of the bench fleet (provisioned by `provision_bench_stations`,
used by the load generator in bench/). Each station gets its own password,
derived from a seed so that the load generator can compute it without reading the
database. For bench databases only: the seed is not a secret."""

import hashlib
import hmac

DEFAULT_PREFIX = "BENCH"
DEFAULT_SEED = "evcms-bench"
ID_TAG = "BENCHTAG0001"


def identity(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


def station_password(*, seed: str, identity: str) -> str:
    """32 characters: within the 16–40 the OCPP 1.6 security whitepaper asks for."""
    return hmac.new(seed.encode(), identity.encode(), hashlib.sha256).hexdigest()[:32]


def fleet(*, count: int, prefix: str = DEFAULT_PREFIX, seed: str = DEFAULT_SEED) -> list[tuple[str, str]]:
    """[(identity, password)] for stations 1..count."""
    return [
        (name, station_password(seed=seed, identity=name))
        for name in (identity(prefix, number) for number in range(1, count + 1))
    ]
