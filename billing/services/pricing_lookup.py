"""What pricing needs to read about a session, behind one object: one query per answer for
a single session, or a batch's answers preloaded with a handful of queries (bulk pricing)."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from billing import pricing
from billing.models import CommissionAgreement, Subscription, Tariff
from billing.models.settlements import COMMISSION_DEFAULT
from billing.selectors.countries import CountryRates
from billing.selectors.memberships import plan_for_driver
from billing.selectors.tariffs import (
    ENERGY_REGISTER,
    POWER,
    session_usage,
    status_rows_by_connector,
    tariff_choose,
    tariff_in_force,
    usage_from_rows,
)
from billing.services import commission, tariffs
from drivers.models import Reservation
from drivers.selectors.sessions import session_token
from stations.models import MeterSample


class PricingLookup:
    def __init__(self):
        self._specs: dict[int, object] = {}
        self._snapshots: dict[int, dict] = {}
        self._country_rates = CountryRates()

    def country_rate(self, *, country: str, on: date):
        return self._country_rates.in_force(country=country, on=on)

    def plan(self, *, driver, on: date):
        return plan_for_driver(driver=driver, on=on)

    def tariff(self, *, station, connector, at: datetime, plan):
        return tariff_in_force(station=station, connector=connector, at=at, plan=plan)

    def commission(self, *, emsp, cpo, on: date):
        return commission.commission_percent(emsp=emsp, cpo=cpo, on=on)

    def reservation(self, *, session) -> pricing.Reservation | None:
        """The reservation the session was started on, priced from when it was made."""
        made_at = (
            Reservation.objects.filter(session_id=session.pk, status=Reservation.Status.USED)
            .values_list("created_at", flat=True)
            .first()
        )
        return _reservation(made_at, session)

    def usage(self, *, session, time_zone: str, until: datetime | None = None):
        return session_usage(session=session, until=until, time_zone=time_zone)

    def tariff_spec(self, tariff: Tariff):
        if tariff.pk not in self._specs:
            self._specs[tariff.pk] = tariffs.tariff_spec(tariff=tariff)
        return self._specs[tariff.pk]

    def tariff_snapshot(self, tariff: Tariff) -> dict:
        if tariff.pk not in self._snapshots:
            self._snapshots[tariff.pk] = tariffs.tariff_snapshot(tariff=tariff)
        return self._snapshots[tariff.pk]


class PreloadedLookup(PricingLookup):
    """The same answers as PricingLookup for a batch of sessions, from six queries."""

    def __init__(self, sessions: list):
        super().__init__()
        self._sessions = sessions
        self._status_changes = None  # loaded on first need: most sessions' samples suffice
        self._reservations = None  # likewise
        driver_ids = {t.driver_id for t in (session_token(session=s) for s in sessions) if t and t.driver_id}
        self._subscriptions = defaultdict(list)
        for subscription in (
            Subscription.objects.filter(driver_id__in=driver_ids)
            .exclude(status=Subscription.Status.ENDED)
            .select_related("plan")
        ):
            self._subscriptions[subscription.driver_id].append(subscription)
        self._tariffs = defaultdict(list)
        targets = (
            Q(station_id__in={s.station_id for s in sessions})
            | Q(connector_id__in={s.connector_id for s in sessions if s.connector_id})
            | Q(site_id__in={s.station.site_id for s in sessions if s.station.site_id})
        )
        for tariff in Tariff.objects.filter(targets).prefetch_related("elements__components"):
            target = ("connector", tariff.connector_id) if tariff.connector_id else None
            target = target or (("station", tariff.station_id) if tariff.station_id else ("site", tariff.site_id))
            self._tariffs[target].append(tariff)
        self._agreements = list(CommissionAgreement.objects.order_by("-valid_from"))
        self._samples = defaultdict(list)
        rows = MeterSample.objects.filter(
            session_id__in=[s.pk for s in sessions],
            normalized_value__isnull=False,
            measurand__in=[ENERGY_REGISTER, POWER],
        ).values_list("session_id", "measurand", "phase", "sampled_at", "normalized_value")
        for session_id, *row in rows:
            self._samples[session_id].append(tuple(row))

    def plan(self, *, driver, on: date):
        for subscription in self._subscriptions.get(driver.pk if driver else None, []):
            if subscription.started_on <= on and (subscription.ends_on is None or subscription.ends_on >= on):
                return subscription.plan
        return None

    def reservation(self, *, session) -> pricing.Reservation | None:
        if self._reservations is None:
            self._reservations = dict(
                Reservation.objects.filter(
                    session_id__in=[s.pk for s in self._sessions], status=Reservation.Status.USED
                ).values_list("session_id", "created_at")
            )
        return _reservation(self._reservations.get(session.pk), session)

    def tariff(self, *, station, connector, at: datetime, plan):
        candidates = self._tariffs[("station", station.pk)] + self._tariffs[("site", station.site_id)]
        if connector is not None:
            candidates += self._tariffs[("connector", connector.pk)]
        return tariff_choose(candidates=candidates, at=at, plan=plan)

    def commission(self, *, emsp, cpo, on: date):
        if emsp is None:
            return Decimal("0")
        for agreement in self._agreements:
            in_force = agreement.valid_from <= on and (agreement.valid_until is None or agreement.valid_until >= on)
            if agreement.emsp_id == emsp.pk and agreement.cpo_id == cpo.pk and in_force:
                return agreement.percent
        return COMMISSION_DEFAULT

    def usage(self, *, session, time_zone: str, until: datetime | None = None):
        end = until or session.stopped_at
        samples = [row for row in self._samples.get(session.pk, []) if session.started_at < row[2] <= end]
        return usage_from_rows(
            session=session,
            samples=samples,
            status_rows=lambda: self._status_rows(session, end),
            end=end,
            time_zone=time_zone,
        )

    def _status_rows(self, session, end) -> list[tuple]:
        if self._status_changes is None:
            self._status_changes = status_rows_by_connector(self._sessions)
        rows = self._status_changes.get((session.station_id, session.connector_number), [])
        return [row for row in rows if session.started_at < row[0] < end]


def _reservation(made_at: datetime | None, session) -> pricing.Reservation | None:
    if made_at is None or made_at >= session.started_at:
        return None
    return pricing.Reservation(made_at, session.started_at)
