"""The portal's one door to billing's read side (contract 7): what a session costs, what a
connector's price is in plain words, the receipt of a finished session."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from billing.models import ChargeDetailRecord
from billing.services.tariffs import tariff_spec
from drivers.price_words import tariff_in_words


def session_cost_estimate(*, session) -> tuple[Decimal, str] | None:
    """(amount incl. VAT, currency) so far for a running session, the CDR total for a priced one."""
    return billing_selectors.session_cost_estimate(session=session)


def member_plan(*, driver):
    """The driver's membership plan today, or None (anonymous visitors have none)."""
    return billing_selectors.plan_for_driver(driver=driver, on=timezone.localdate()) if driver else None


def price_description(*, connector, plan=None) -> str | None:
    """The connector's price now in plain words, at the member price of `plan` (its member
    tariff and discounts); None when no tariff is attached."""
    tariff = billing_selectors.tariff_in_force(
        station=connector.station, connector=connector, at=timezone.now(), plan=plan
    )
    if tariff is None:
        return None
    if plan is None:
        return tariff_in_words(spec=tariff_spec(tariff=tariff))
    words = tariff_in_words(
        spec=tariff_spec(tariff=tariff), discount_per_kwh=plan.discount_per_kwh, discount_percent=plan.discount_percent
    )
    return words + " " + _("(your %(plan)s member price)") % {"plan": plan.name}


def session_cdr(*, session) -> ChargeDetailRecord | None:
    """The CDR in force for a completed session (the latest revision), or None before pricing."""
    return (
        ChargeDetailRecord.objects.filter(session=session, kind=ChargeDetailRecord.Kind.CHARGE)
        .order_by("-revision")
        .first()
    )


def session_costs(*, sessions) -> dict[int, tuple[Decimal, str]]:
    """{session id: (total incl. VAT, currency)} for a page of sessions: CDR totals read in
    one query, running sessions estimated; sessions not yet priced are left out."""
    costs = {}
    for cdr in ChargeDetailRecord.objects.filter(
        session__in=[s.pk for s in sessions], kind=ChargeDetailRecord.Kind.CHARGE
    ).order_by("session_id", "revision"):
        costs[cdr.session_id] = (cdr.total_incl_vat, cdr.currency)  # the latest revision wins
    for session in sessions:
        if session.pk not in costs and session.status == session.Status.ACTIVE:
            costs[session.pk] = session_cost_estimate(session=session)
    return costs
