"""The schema generator for /api/v1: every operation documents the error shape for the
statuses it can answer with, and every idempotent POST documents `Idempotency-Key`."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from config.api.errors import ErrorSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID), at most 255 characters. A repeat with the same key returns the stored "
        "response; the same key with a different body is 422; a concurrent duplicate is 409."
    ),
)

ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `errors` lists the fields.",
    "401": "No or invalid credentials.",
    "403": "Authenticated, but this role may not do this.",
    "404": "No such object, or not yours.",
    "405": "Method not allowed.",
    "409": "The resource's state forbids this, or a request with the same Idempotency-Key is in progress.",
    "422": "The Idempotency-Key was used before with a different request.",
    "429": "Too many requests; retry after `Retry-After` seconds.",
}


def handler_is_idempotent(view, method: str) -> bool:
    action = getattr(view, "action", None) or method.lower()
    handler = getattr(view, action, None) or getattr(view, method.lower(), None)
    return bool(getattr(handler, "idempotent", False))


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and handler_is_idempotent(self.view, self.method):
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait.",
            }
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400", "404", "405", "429"]
        if not self._is_public():
            codes += ["401", "403"]
        if self.method == "POST" and handler_is_idempotent(self.view, self.method):
            codes += ["409", "422"]
        elif self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409"]
        return codes

    def _is_public(self) -> bool:
        return all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
