"""Open data for national access points and map apps (EU AFIR art. 20): our Locations and
Tariffs in OCPI 2.2.1 form, read-only, with no token, rate-limited per client address.
The same objects and pagination as the partners' Sender interfaces, minus anything a
partner token would unlock."""

from django.conf import settings
from django.views.decorators.http import require_GET
from rest_framework.throttling import SimpleRateThrottle

from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.pagination import paginated_response
from roaming.selectors import locations, tariffs


class OpenDataThrottle(SimpleRateThrottle):
    scope = "ocpi_open_data"

    def get_rate(self):
        return settings.OCPI_OPEN_DATA_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _open(handler):
    @require_GET
    def view(request, **kwargs):
        throttle = OpenDataThrottle()
        if not throttle.allow_request(request, None):
            response = ocpi_response(status=Status.CLIENT_ERROR, message="Too many requests.", http_status=429)
            response["Retry-After"] = str(int(throttle.wait() or 1))
            return response
        try:
            response = handler(request, **kwargs)
        except OcpiError as error:
            response = ocpi_response(status=error.status, message=error.message, http_status=error.http_status)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    view.__name__ = handler.__name__
    return view


@_open
def location_list(request):
    return paginated_response(request, locations.ocpi_locations(), locations.location_object)


@_open
def tariff_list(request):
    return paginated_response(request, tariffs.ocpi_tariffs(), tariffs.tariff_object)
