"""Calls to a partner's OCPI API: the credentials token, request and correlation ids, the
routing headers, the envelope unpacked, list pages followed through their Link header."""

import logging
import re
import uuid

import requests
from django.conf import settings

from roaming import parties
from roaming.credentials_token import header_encode

log = logging.getLogger(__name__)
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class PartnerError(Exception):
    """The partner could not be used: unreachable, an HTTP error, or an OCPI error status."""

    def __init__(self, message: str, *, status_code: int | None = None, http_status: int | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.http_status = http_status


class PartnerClient:
    def __init__(self, *, token: str, to_party: tuple[str, str] | None = None, from_role: str = "CPO"):
        self.token = token
        self.to_party = to_party
        self.from_role = from_role

    def headers(self, *, functional: bool, correlation_id: str | None = None) -> dict:
        headers = {
            "Authorization": header_encode(self.token),
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": correlation_id or str(uuid.uuid4()),
        }
        # Routing headers belong to functional modules only, never to versions/credentials.
        if functional:
            country_code, party_id = parties.our_party(self.from_role)
            headers.update({"OCPI-from-country-code": country_code, "OCPI-from-party-id": party_id})
            if self.to_party:
                headers.update({"OCPI-to-country-code": self.to_party[0], "OCPI-to-party-id": self.to_party[1]})
        return headers

    def call(self, method: str, url: str, *, json=None, params=None, functional: bool = True, timeout=None):
        """The response's `data`, or PartnerError. Returns (data, response)."""
        try:
            response = requests.request(
                method,
                url,
                json=json,
                params=params,
                headers=self.headers(functional=functional),
                timeout=timeout or settings.OCPI_HTTP_TIMEOUT,
            )
        except requests.RequestException as error:
            raise PartnerError(f"{method} {url}: {error}") from error
        try:
            body = response.json()
        except ValueError:
            raise PartnerError(
                f"{method} {url}: HTTP {response.status_code}, not JSON", http_status=response.status_code
            ) from None
        status_code = body.get("status_code") if isinstance(body, dict) else None
        if response.status_code >= 400 or status_code != 1000:
            message = body.get("status_message", "") if isinstance(body, dict) else ""
            raise PartnerError(
                f"{method} {url}: HTTP {response.status_code}, OCPI {status_code} {message}".strip(),
                status_code=status_code,
                http_status=response.status_code,
            )
        return body.get("data"), response

    def get_all(self, url: str, *, params=None):
        """Every object of a paginated list, page by page through the Link header."""
        while url:
            data, response = self.call("GET", url, params=params)
            yield from data or []
            match = _NEXT_LINK.search(response.headers.get("Link", ""))
            url, params = (match.group(1), None) if match else (None, None)
