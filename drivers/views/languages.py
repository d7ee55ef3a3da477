"""The portal's language switcher: remembers the choice in the language cookie and, for a
signed-in driver, as their language (their pages and e-mails)."""

from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from drivers.languages import supported_language
from drivers.services.accounts import driver_language_set


@require_POST
def language_choose(request):
    language = supported_language(request.POST.get("language", ""))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    if language is None:
        return response
    driver = getattr(request.user, "driver", None) if request.user.is_authenticated else None
    if driver is not None:
        driver_language_set(driver=driver, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
