"""One error shape for every API response that is not a success:

    {"type": "<machine-readable code>", "detail": "<human sentence>", "errors": {field: [messages]}}

`errors` is empty unless the request had invalid fields; non-field problems are listed
under "non_field_errors". A 409 raised with a code (`Conflict(detail, code="token_blocked")`)
adds `"code"`: why the state forbids it, the same code every other door gives. DRF's own exceptions, Django's Http404/PermissionDenied and
validation errors from services all pass through `exception_handler`."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

ERROR_TYPES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
}


class Conflict(exceptions.APIException):
    """The request is valid but the resource's state forbids it (e.g. stopping a stopped session)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource is not in a state that allows this.")
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("The request cannot be processed.")
    default_code = "unprocessable"


class ErrorSerializer(serializers.Serializer):
    """Documents the error shape in the schema; never used to parse input."""

    type = serializers.CharField(help_text="Machine-readable error code, e.g. validation_error, not_found.")
    detail = serializers.CharField(help_text="What went wrong, for humans.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name → messages; empty unless fields were invalid.",
    )
    code = serializers.CharField(
        required=False, help_text="409 only, when the state has a name: why, e.g. token_blocked, station_offline."
    )


def error_body(*, status_code: int, detail: str, errors: dict | None = None, type_: str | None = None) -> dict:
    return {"type": type_ or ERROR_TYPES.get(status_code, "error"), "detail": str(detail), "errors": errors or {}}


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every handled exception becomes the one error shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, int(exc.wait)))

    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            status_code=400, detail=_("The request has invalid fields."), errors=_field_errors(exc.detail)
        )
    else:
        body = error_body(status_code=exc.status_code, detail=_plain(exc.detail))
        code = getattr(exc.detail, "code", None)
        if isinstance(exc, Conflict) and code and code != Conflict.default_code:
            body["code"] = code
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(field): _flatten(messages) for field, messages in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def _flatten(messages, prefix: str = "") -> list[str]:
    """Nested serializer errors (e.g. connectors[1].standard) become flat strings."""
    if isinstance(messages, dict):
        flat = []
        for key, value in messages.items():
            flat += _flatten(value, prefix=f"{prefix}{key}: ")
        return flat
    if isinstance(messages, list):
        flat = []
        for index, value in enumerate(messages):
            nested = isinstance(value, dict | list)
            flat += _flatten(value, prefix=f"{prefix}[{index}] " if nested else prefix)
        return flat
    return [f"{prefix}{messages}"]


def _plain(detail) -> str:
    if isinstance(detail, list | tuple):
        return " ".join(str(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(_flatten(detail))
    return str(detail)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Catch-all under /api/v1/ so that unknown paths answer in the error shape, not HTML."""
    return JsonResponse(error_body(status_code=404, detail=_("Not found.")), status=404)
