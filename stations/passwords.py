"""Charger passwords (OCPP security profiles 1 and 2, HTTP Basic).

The OCPP 1.6 security whitepaper has the CSMS issue random passwords of 16–40
characters, so their strength is their entropy, not a slow hash. A salted SHA-256 keeps
them out of the database in clear while letting thousands of chargers reconnect after a
restart without each handshake spending ~100 ms in PBKDF2."""

import hashlib
import hmac
import secrets

MIN_LENGTH = 16
MAX_LENGTH = 40
ALGORITHM = "sha256"


def validate_password(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"A charger password is {MIN_LENGTH}–{MAX_LENGTH} characters (OCPP 1.6 security whitepaper).")


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()
    return f"{ALGORITHM}${salt}${digest}"


def check_password(password: str, encoded: str) -> bool:
    """Constant-time comparison; False for an empty or malformed stored hash."""
    try:
        algorithm, salt, digest = encoded.split("$", 2)
    except ValueError:
        return False
    if algorithm != ALGORITHM:
        return False
    candidate = hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()
    return hmac.compare_digest(candidate, digest)
