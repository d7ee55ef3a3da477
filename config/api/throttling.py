"""Rates come from settings (API_THROTTLE_ANON / API_THROTTLE_USER in the environment).
Anonymous callers are counted per IP address, signed-in callers per user."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RateFromSettings:
    def get_rate(self):
        # Read at request time (DRF binds THROTTLE_RATES at import), so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class PerIPAnonThrottle(_RateFromSettings, AnonRateThrottle):
    scope = "anon"


class PerUserThrottle(_RateFromSettings, UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        # DRF's user throttle counts an anonymous caller by IP too, so anonymous requests
        # met the (looser) user rate as well as their own, and paid for two counters.
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
