"""What every portal page shows in its frame: the 24/7 helpline and, on a station or
session page, what a chat opened from it is about."""

from django.conf import settings


def support(request) -> dict:
    return {"support_phone": settings.SUPPORT_PHONE}
