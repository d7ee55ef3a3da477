"""The time zone a person reads the portal in: the driver's own setting, otherwise the
zone their browser reports (cookie `tz`, set by static/portal/time_zone.js), otherwise
the site default (TIME_ZONE). Times are stored in UTC; this only changes how they are
written."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone

COOKIE = "tz"


@cache
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def time_zone_validate(value: str) -> None:
    if value and value not in time_zone_names():
        raise ValidationError(f"{value!r} is not a time zone (e.g. Europe/Berlin).")


def request_time_zone(request) -> str | None:
    """The zone to show a driver's pages in, or None for the default (staff and owner
    pages keep theirs: they write each site's zone). A bad cookie is ignored (anyone can
    send one)."""
    driver = getattr(request.user, "driver", None) if request.user.is_authenticated else None
    if driver is None:
        return None
    if driver.time_zone:
        return driver.time_zone
    browser = request.COOKIES.get(COOKIE, "")
    return browser if browser in time_zone_names() else None


class TimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = request_time_zone(request)
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
