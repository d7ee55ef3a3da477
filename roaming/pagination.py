"""Paginated GET lists (transport and format, "Pagination"): offset, limit, date_from
(inclusive) and date_to (exclusive) on last_updated; X-Total-Count, X-Limit and a Link to the
next page that keeps the request's filters. Past the end is an empty page, not an error."""

from urllib.parse import urlencode

from django.conf import settings

from roaming import parties
from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.fields import datetime_parse


def _whole_number(request, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise OcpiError(Status.INVALID_PARAMETERS, f"{name} must be a whole number >= 0.")
    return int(raw)


def paginated_response(request, queryset, serialize, *, date_field: str = "last_updated"):
    offset = _whole_number(request, "offset", 0)
    limit = min(_whole_number(request, "limit", settings.OCPI_PAGE_LIMIT), settings.OCPI_PAGE_LIMIT)
    if request.GET.get("date_from"):
        queryset = queryset.filter(**{f"{date_field}__gte": datetime_parse(request.GET["date_from"], "date_from")})
    if request.GET.get("date_to"):
        queryset = queryset.filter(**{f"{date_field}__lt": datetime_parse(request.GET["date_to"], "date_to")})
    # Oldest first and a stable order, so that a page's content stays put while a client crawls.
    queryset = queryset.order_by(date_field, "pk")
    total = queryset.count()
    page = list(queryset[offset : offset + limit]) if limit else []
    response = ocpi_response([serialize(item) for item in page])
    response["X-Total-Count"] = str(total)
    response["X-Limit"] = str(settings.OCPI_PAGE_LIMIT)
    if limit and offset + limit < total:
        query = {key: value for key, value in request.GET.items() if key not in ("offset", "limit")}
        query.update(offset=offset + limit, limit=limit)
        base = parties.url(request.path.removeprefix("/ocpi/"))
        response["Link"] = f'<{base}?{urlencode(query)}>; rel="next"'
    return response
