"""`Idempotency-Key` for POSTs that create something.

The first request with a key claims it by inserting a row (unique per user and key) and
committing before the work starts; a concurrent duplicate then finds the claim and gets
409, a later repeat with the same body gets the stored response, and a repeat with a
different body gets 422. Only successful responses are stored: a request that failed
released its key, so retrying it runs again."""

import functools
import hashlib
import json
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api.errors import Conflict, Unprocessable
from config.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Keys protect a client's retries of one request; a day covers any sane retry policy.
RETENTION = timedelta(hours=24)


def idempotent(handler):
    """Decorate an API view's `post` (or a viewset's `create`) to honour Idempotency-Key."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError({HEADER: [_("At most 255 characters.")]})
        fingerprint = request_fingerprint(request)
        record = _claim(user=request.user, key=key, fingerprint=fingerprint)
        if record is not None:
            return _replay(record=record, fingerprint=fingerprint)
        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            _release(user=request.user, key=key)
            raise
        if 200 <= response.status_code < 300:
            _store(user=request.user, key=key, response=response)
        else:
            _release(user=request.user, key=key)
        return response

    wrapper.idempotent = True
    return wrapper


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(*, user, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """None if this request claimed the key; else the earlier request's record."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
        return None
    except IntegrityError:
        return IdempotencyRecord.objects.filter(user=user, key=key).first() or _raise_in_progress()


def _raise_in_progress():
    # The claim vanished between our insert and our read: its request just failed and released it.
    raise Conflict(_("A request with this Idempotency-Key is in progress; retry it."))


def _replay(*, record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Unprocessable(_("This Idempotency-Key was used with a different request."))
    if record.status_code is None:
        _raise_in_progress()
    return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def _store(*, user, key: str, response: Response) -> None:
    body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
    IdempotencyRecord.objects.filter(user=user, key=key).update(status_code=response.status_code, response_body=body)


def _release(*, user, key: str) -> None:
    IdempotencyRecord.objects.filter(user=user, key=key, status_code__isnull=True).delete()


def idempotency_records_purge(*, now: datetime) -> int:
    """Delete records older than RETENTION; returns how many. Idempotent."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
