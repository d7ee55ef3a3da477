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
