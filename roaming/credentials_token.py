"""Credentials tokens: generated random, stored as SHA-256 (a random 256-bit token needs no
slow hash), sent as `Authorization: Token <base64 of the token>`."""

import base64
import binascii
import hashlib
import secrets


def token_generate() -> str:
    # 43 URL-safe characters: printable, no whitespace, within the Credentials object's 64.
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def header_encode(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


def header_candidates(header: str) -> list[str]:
    """The tokens an Authorization header may carry: the Base64-decoded one the spec
    requires, then the raw value that many 2.1.1/2.2 implementations still send."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    candidates = []
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    if decoded.isprintable() and decoded:
        candidates.append(decoded.strip())
    candidates.append(value)
    return candidates
