"""The words of the driver notifications (drivers/services/notifications.py), German and
English, and how their values are written in each language (dates, energy, durations)."""

from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

LANGUAGES = ("en", "de")

TEXTS = {
    "en": {
        "hello": "Hello {name},",
        "bye": "VoltWay",
        "session_receipt_subject": "Your charging receipt: {site}, {price}",
        "session_receipt_body": (
            "thank you for charging with us. Your session:\n\n"
            "  Site:      {site}\n  Started:   {started}\n  Duration:  {duration_seconds}\n"
            "  Energy:    {energy_wh}\n  Price:     {price} (VAT included)\n\n"
            "Your receipt: {url}"
        ),
        "reservation_confirmed_subject": "Reservation confirmed: {station}",
        "reservation_confirmed_body": (
            "the charger confirmed your reservation.\n\n  Charger:   {station}\n  Connector: {connector}\n"
            "  Held until: {expires}\n\nYour reservations: {url}"
        ),
        "reservation_expired_subject": "Your reservation at {station} has expired",
        "reservation_expired_body": (
            "your reservation at {station} ran out at {expires} without a charge started on it; "
            "the connector is free for others again.\n\nReserve again: {url}"
        ),
        "membership_started_subject": "Welcome to {plan}",
        "membership_started_body": "your membership {plan} started on {day}.\n\nYour membership: {url}",
        "membership_ended_subject": "Your membership {plan} has ended",
        "membership_ended_body": "your membership {plan} ended; its last day was {day}.\n\nYour membership: {url}",
        "any_connector": "any",
    },
    "de": {
        "hello": "Hallo {name},",
        "bye": "VoltWay",
        "session_receipt_subject": "Ihr Ladebeleg: {site}, {price}",
        "session_receipt_body": (
            "danke, dass Sie bei uns geladen haben. Ihr Ladevorgang:\n\n"
            "  Standort:  {site}\n  Beginn:    {started}\n  Dauer:     {duration_seconds}\n"
            "  Energie:   {energy_wh}\n  Preis:     {price} (inkl. MwSt.)\n\n"
            "Ihr Beleg: {url}"
        ),
        "reservation_confirmed_subject": "Reservierung bestätigt: {station}",
        "reservation_confirmed_body": (
            "die Ladestation hat Ihre Reservierung bestätigt.\n\n  Ladestation: {station}\n"
            "  Anschluss:   {connector}\n  Reserviert bis: {expires}\n\nIhre Reservierungen: {url}"
        ),
        "reservation_expired_subject": "Ihre Reservierung an {station} ist abgelaufen",
        "reservation_expired_body": (
            "Ihre Reservierung an {station} ist um {expires} abgelaufen, ohne dass ein Ladevorgang "
            "begonnen hat; der Anschluss ist wieder für andere frei.\n\nErneut reservieren: {url}"
        ),
        "membership_started_subject": "Willkommen bei {plan}",
        "membership_started_body": "Ihre Mitgliedschaft {plan} hat am {day} begonnen.\n\nIhre Mitgliedschaft: {url}",
        "membership_ended_subject": "Ihre Mitgliedschaft {plan} ist beendet",
        "membership_ended_body": (
            "Ihre Mitgliedschaft {plan} ist beendet; ihr letzter Tag war der {day}.\n\nIhre Mitgliedschaft: {url}"
        ),
        "any_connector": "beliebig",
    },
}

# Where each notification's link points (portal URL names; the receipt needs the session).
LINKS = {
    "session_receipt": "portal-session",
    "reservation_confirmed": "portal-reservations",
    "reservation_expired": "portal-home",
    "membership_started": "portal-memberships",
    "membership_ended": "portal-memberships",
}


def language_of(preferred: str) -> str:
    code = (preferred or "en")[:2].lower()
    return code if code in LANGUAGES else "en"


def render(*, kind: str, language: str, driver, values: dict) -> tuple[str, str]:
    """Subject and body of notification `kind` with `values` written for `language`."""
    words = TEXTS[language]
    filled = {key: _written(key, value, language) for key, value in values.items()}
    if kind == "session_receipt":
        filled["url"] = _url(LINKS[kind], values["session_id"])
    else:
        filled["url"] = _url(LINKS[kind])
    if values.get("connector") == 0:
        filled["connector"] = words["any_connector"]
    subject = words[f"{kind}_subject"].format(**filled)
    name = driver.user.first_name or ""
    body = "\n\n".join(
        [words["hello"].format(name=name).replace(" ,", ","), words[f"{kind}_body"].format(**filled), words["bye"]]
    )
    return subject, body + "\n"


def _url(name: str, *args) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse(name, args=args)


def _written(key: str, value, language: str) -> str:
    if key == "energy_wh":
        return energy_text(int(value), language)
    if key == "duration_seconds":
        return duration_text(int(value), language)
    if key in ("started", "expires") and value:
        return datetime_text(datetime.fromisoformat(value), language)
    if key == "day" and value:
        day = date.fromisoformat(value)
        return f"{day:%d.%m.%Y}" if language == "de" else f"{day:%d %b %Y}"
    return str(value)


def energy_text(wh: int, language: str) -> str:
    text = f"{wh / 1000:.2f} kWh"
    return text.replace(".", ",") if language == "de" else text


def duration_text(seconds: int, language: str) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def datetime_text(moment: datetime, language: str) -> str:
    local = timezone.localtime(moment)
    zone = local.tzname()
    return f"{local:%d.%m.%Y %H:%M} {zone}" if language == "de" else f"{local:%d %b %Y %H:%M} {zone}"
