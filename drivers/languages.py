"""The language a person reads the portal in: a signed-in driver's chosen language
(`Driver.preferred_language`, also the language of their e-mails), otherwise what
LocaleMiddleware found (the language cookie set by the switcher, then the browser's
Accept-Language), otherwise English."""

from django.conf import settings
from django.utils import translation


def supported_language(code: str) -> str | None:
    """`code` (or its base language, "de" for "de-AT") if the portal speaks it, else None."""
    codes = dict(settings.LANGUAGES)
    code = (code or "").lower()
    if code in codes:
        return code
    return code[:2] if code[:2] in codes else None


class DriverLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        driver = getattr(request.user, "driver", None) if request.user.is_authenticated else None
        language = supported_language(driver.preferred_language) if driver is not None else None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
