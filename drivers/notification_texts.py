"""How the driver notifications (drivers/services/notifications.py) are worded and how their
values are written in the driver's language.

The words of each e-mail live in one template, `templates/portal/emails/notifications/<kind>.txt`:
its first line is the subject, the rest the body, marked for translation and translated in
`locale/<language>/LC_MESSAGES/django.po`. Here only the values are written for the language
(dates, energy, durations) and the link the e-mail points to is chosen."""

from datetime import date, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

# Where each notification's link points (portal URL names; the receipt needs the session).
LINKS = {
    "session_receipt": "portal-session",
    "reservation_confirmed": "portal-reservations",
    "reservation_expired": "portal-home",
    "membership_started": "portal-memberships",
    "membership_ended": "portal-memberships",
    "card_payment_failed": "portal-billing",
    "direct_debit_failed": "portal-billing",
    "wallet_low": "portal-billing",
    "invoice_reminder": "portal-billing",
    "invoice_second_reminder": "portal-billing",
    "account_overdue": "portal-billing",
}
DATE_VALUES = ("day", "due")
DATETIME_VALUES = ("started", "expires", "retry_at")


def language_of(preferred: str) -> str:
    """The portal language closest to the driver's preference (English if none fits)."""
    code = (preferred or "en")[:2].lower()
    return code if code in dict(settings.LANGUAGES) else "en"


def render(*, kind: str, language: str, driver, values: dict) -> tuple[str, str]:
    """Subject and body of notification `kind` with `values` written for `language`."""
    context = {key: _written(key, value, language) for key, value in values.items()}
    context["url"] = _url(LINKS[kind], values["session_id"]) if kind == "session_receipt" else _url(LINKS[kind])
    context["name"] = driver.user.first_name or ""
    with translation.override(language):
        text = render_to_string(f"portal/emails/notifications/{kind}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), _tidy(body)


def _tidy(body: str) -> str:
    """Template tags leave blank lines behind: at most one empty line between paragraphs."""
    lines = [line.rstrip() for line in body.strip().splitlines()]
    kept = [line for index, line in enumerate(lines) if line or (index and lines[index - 1])]
    return "\n".join(kept) + "\n"


def _url(name: str, *args) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse(name, args=args)


def _written(key: str, value, language: str):
    if key == "energy_wh":
        return energy_text(int(value), language)
    if key == "duration_seconds":
        return duration_text(int(value), language)
    if key in DATETIME_VALUES and value:
        return datetime_text(datetime.fromisoformat(value), language)
    if key in DATE_VALUES and value:
        return date_text(date.fromisoformat(value), language)
    return value


def energy_text(wh: int, language: str) -> str:
    text = f"{wh / 1000:.2f} kWh"
    return text if language == "en" else text.replace(".", ",")


def duration_text(seconds: int, language: str) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def date_text(day: date, language: str) -> str:
    return {"de": f"{day:%d.%m.%Y}", "fr": f"{day:%d/%m/%Y}"}.get(language, f"{day:%d %b %Y}")


def datetime_text(moment: datetime, language: str) -> str:
    local = timezone.localtime(moment)
    return f"{date_text(local.date(), language)} {local:%H:%M} {local.tzname()}"
