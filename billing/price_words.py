"""A tariff in the words a driver reads at the charger: "€0.39/kWh + €0.10/min after
60 min, idle fee €0.20/min after 4 h". Prices include VAT (drivers pay it); this only
describes, the pricing engine (billing.pricing) decides what a session costs."""

from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import pricing
from billing.documents import labels

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
# Spelt out (not an alias) so that makemessages finds them.
WEEKDAYS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


def tariff_in_words(
    *, spec: pricing.TariffSpec, discount_per_kwh: Decimal = Decimal(0), discount_percent: Decimal = Decimal(0)
) -> str:
    """One line describing every priced component of the tariff, in element order, with a
    membership's discounts (per kWh off the energy price, then a percentage off) applied."""
    charges, idle = [], []
    held = {pricing.RESERVATION: [], pricing.RESERVATION_EXPIRES: []}
    keep = 1 - discount_percent / Decimal(100)
    for element in spec.elements:
        when = _restriction_words(element.restrictions)
        for component in element.components:
            net = component.price
            if component.dimension == pricing.ENERGY:
                net = max(net - discount_per_kwh, Decimal(0))
            phrase = _component_words(component, net * keep, spec.currency)
            if element.restrictions.reservation and component.dimension == pricing.FLAT:
                phrase = money(net * keep * (1 + (component.vat_rate or 0) / Decimal(100)), spec.currency)
            phrase = f"{phrase} {when}" if when else phrase
            if element.restrictions.reservation:
                # Reservation prices are not charging prices: said apart, after them.
                held[element.restrictions.reservation].append(phrase)
            else:
                (idle if component.dimension == pricing.PARKING_TIME else charges).append(phrase)
    text = " + ".join(charges) if charges else _("free charging")
    if idle:
        text += ", " + _("idle fee %(fee)s") % {"fee": " / ".join(idle)}
    if held[pricing.RESERVATION]:
        text += ", " + _("reservation %(fee)s") % {"fee": " + ".join(held[pricing.RESERVATION])}
    if held[pricing.RESERVATION_EXPIRES]:
        text += ", " + _("unused reservation %(fee)s") % {"fee": " + ".join(held[pricing.RESERVATION_EXPIRES])}
    if spec.min_price_incl:
        text += ", " + _("minimum %(price)s") % {"price": money(spec.min_price_incl, spec.currency)}
    if spec.max_price_incl:
        text += ", " + _("at most %(price)s") % {"price": money(spec.max_price_incl, spec.currency)}
    return text


def fee_words(*, amount_excl_vat: Decimal, vat_rate: Decimal | None, currency: str) -> str:
    """A fee as consumers are shown it: including VAT ("€11.78 incl. VAT")."""
    gross = amount_excl_vat * (1 + (vat_rate or 0) / Decimal(100))
    return _("%(price)s incl. VAT") % {"price": money(gross, currency)}


def membership_fee_words(*, plan, vat_rate: Decimal | None = None) -> str:
    """A plan's monthly fee including VAT, the way the portal offers it; `vat_rate`: the
    rate in force (billing.selectors.countries.plan_vat_rate), else the plan's own."""
    rate = plan.vat_rate if vat_rate is None else vat_rate
    fee = fee_words(amount_excl_vat=plan.monthly_fee, vat_rate=rate, currency=plan.currency)
    return _("%(fee)s per month") % {"fee": fee}


def membership_discount_words(*, plan, vat_rate: Decimal | None = None) -> str:
    """A plan's discounts as consumers are shown them: the per-kWh discount including VAT
    (it comes off the net energy price, so the driver saves it plus its VAT, at the plan's
    rate: the operator's country), then the percentage. "−€0.12/kWh incl. VAT, −10 %"; "–"
    when the plan gives none."""
    words = []
    if plan.discount_per_kwh:
        rate = plan.vat_rate if vat_rate is None else vat_rate
        gross = plan.discount_per_kwh * (1 + (rate or 0) / Decimal(100))
        words.append(_("−%(price)s/kWh incl. VAT") % {"price": money(gross, plan.currency)})
    if plan.discount_percent:
        words.append(f"−{plan.discount_percent.normalize():f} %")
    return ", ".join(words) if words else "–"


def money(amount: Decimal, currency: str, places: int = 2) -> str:
    """An amount the way the reader's language writes it: '€0.39' in English, '0,39 €' in
    German and French (the active language, as the words around it)."""
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    language = (translation.get_language() or "en")[:2]
    if language in ("de", "fr"):
        return labels.money_text(rounded, currency, language, places=places)
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{rounded}" if symbol else f"{rounded} {currency}"


def _component_words(component: pricing.Component, net_price: Decimal, currency: str) -> str:
    gross = net_price * (1 + (component.vat_rate or 0) / Decimal(100))
    if component.dimension == pricing.ENERGY:
        return _("%(price)s/kWh") % {"price": money(gross, currency)}
    if component.dimension == pricing.FLAT:
        return _("%(price)s per session") % {"price": money(gross, currency)}
    # TIME and PARKING_TIME are priced per hour; drivers think per minute.
    return _("%(price)s/min") % {"price": money(gross / 60, currency)}


def _restriction_words(r: pricing.Restrictions) -> str:
    words = []
    if r.min_duration:
        words.append(_("after %(d)s") % {"d": _duration(r.min_duration)})
    if r.max_duration:
        words.append(_("for the first %(d)s") % {"d": _duration(r.max_duration)})
    if r.start_time or r.end_time:
        start = f"{r.start_time:%H:%M}" if r.start_time else "00:00"
        end = f"{r.end_time:%H:%M}" if r.end_time else "24:00"
        words.append(_("%(start)s–%(end)s") % {"start": start, "end": end})
    if r.days_of_week and len(r.days_of_week) < 7:
        words.append(", ".join(str(WEEKDAYS[day]) for day in sorted(r.days_of_week)))
    if r.min_power:
        words.append(_("above %(kw)s kW") % {"kw": f"{r.min_power:g}"})
    if r.max_power:
        words.append(_("below %(kw)s kW") % {"kw": f"{r.max_power:g}"})
    if r.min_kwh:
        words.append(_("after %(kwh)s kWh") % {"kwh": f"{r.min_kwh:g}"})
    if r.max_kwh:
        words.append(_("up to %(kwh)s kWh") % {"kwh": f"{r.max_kwh:g}"})
    return " ".join(words)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return _("%(n)d h") % {"n": seconds // 3600}
    return _("%(n)d min") % {"n": round(seconds / 60)}


def energy_rate_now_words(
    *,
    spec: pricing.TariffSpec,
    local_now: datetime,
    discount_per_kwh: Decimal = Decimal(0),
    discount_percent: Decimal = Decimal(0),
) -> str | None:
    """The price per kWh (incl. VAT, after a member's discounts) that a session starting at
    `local_now`, the site's local time, pays: the first element (OCPI order) with an energy
    component whose weekday, date and time-of-day restrictions include that moment and that
    waits for nothing the session has yet to reach (a duration, an amount of energy, a
    power). "€0.58/kWh". None if no element says."""
    keep = 1 - discount_percent / Decimal(100)
    for element in spec.elements:
        r = element.restrictions
        if r.reservation or any(v is not None for v in (r.min_duration, r.min_kwh, r.min_power, r.min_current)):
            continue
        if not _includes_moment(r, local_now):
            continue
        for component in element.components:
            if component.dimension == pricing.ENERGY:
                net = max(component.price - discount_per_kwh, Decimal(0)) * keep
                return _component_words(component, net, spec.currency)
    return None


def _includes_moment(r: pricing.Restrictions, moment: datetime) -> bool:
    if r.days_of_week and moment.weekday() not in r.days_of_week:
        return False
    if (r.start_date and moment.date() < r.start_date) or (r.end_date and moment.date() >= r.end_date):
        return False
    if r.start_time is None and r.end_time is None:
        return True
    start, end, now = r.start_time or time(0, 0), r.end_time, moment.time()
    if end is None:
        return now >= start
    return start <= now < end if start <= end else (now >= start or now < end)
