"""Writes for the site pipeline: a candidate site, its stages in order, the site it
becomes, the station registered on it, and going live once commissioning is complete."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from stations.models import ChargingSession, ChargingStation, RegistrationStatus, Site
from stations.pipeline.models.candidates import STAGE_ORDER, CandidateSite, PipelineStage, Stage
from stations.services import registry, station_admin

SITE_FIELDS = ("name", "operator", "address", "city", "postal_code", "country", "latitude", "longitude", "time_zone")


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool


def candidate_create(*, stage_plan: dict[str, dict] | None = None, **fields) -> CandidateSite:
    """A candidate at the survey stage with one row per stage; `stage_plan` maps a stage
    to its {"owner": user, "due_on": date}. Raises ValidationError on bad fields."""
    candidate = CandidateSite(**fields)
    candidate.full_clean()
    with transaction.atomic():
        candidate.save()
        for stage in STAGE_ORDER:
            PipelineStage.objects.create(candidate=candidate, stage=stage, **(stage_plan or {}).get(stage, {}))
    return candidate


def stage_plan_set(*, candidate: CandidateSite, stage: str, owner=None, due_on: date | None = None) -> PipelineStage:
    """Give a stage its owner and due date (a new due date may be reminded again)."""
    row = PipelineStage.objects.get(candidate=candidate, stage=stage)
    row.owner, row.due_on = owner, due_on
    row.reminded_on = None
    row.save(update_fields=["owner", "due_on", "reminded_on"])
    return row


def stage_complete(*, candidate: CandidateSite, stage: str, user, now: datetime, notes: str = "") -> CandidateSite:
    """Complete the candidate's current stage and move it to the next. Completing a stage
    already completed changes nothing (a double click, a retried request); completing a
    later stage, a stage of a dropped or live candidate, or commissioning with its
    checklist unfinished raises ValidationError. The site is created, unpublished, when
    installation starts; completing commissioning makes the candidate live and dates
    its stations' commissioning (their uptime starts then)."""
    with transaction.atomic():
        candidate = CandidateSite.objects.select_for_update().get(pk=candidate.pk)
        row = PipelineStage.objects.get(candidate=candidate, stage=stage)
        if row.completed_at is not None:
            return candidate
        if candidate.outcome != CandidateSite.Outcome.OPEN:
            raise ValidationError(f"{candidate.name} is {candidate.get_outcome_display().lower()}.")
        if stage != candidate.stage:
            raise ValidationError(f"Complete {candidate.get_stage_display()} first.")
        if stage == Stage.COMMISSIONING:
            missing = [item.label for item in commissioning_checklist(candidate=candidate) if not item.done]
            if missing:
                raise ValidationError(f"Commissioning is not complete: {', '.join(missing)}.")
        row.completed_at, row.completed_by = now, user
        row.notes = notes or row.notes
        row.save(update_fields=["completed_at", "completed_by", "notes"])
        following = STAGE_ORDER.index(stage) + 1
        candidate.stage = STAGE_ORDER[following] if following < len(STAGE_ORDER) else Stage.LIVE
        if candidate.stage == Stage.INSTALLATION and candidate.site_id is None:
            candidate.site = _site_create(candidate)
        if candidate.stage == Stage.LIVE:
            candidate.outcome = CandidateSite.Outcome.LIVE
            # Their uptime counts from today: installation and testing were not service.
            ChargingStation.objects.filter(site_id=candidate.site_id, commissioned_on__isnull=True).update(
                commissioned_on=now.date()
            )
        candidate.save(update_fields=["stage", "site", "outcome"])
        return candidate


def candidate_drop(*, candidate: CandidateSite, reason: str) -> CandidateSite:
    """Stop pursuing a candidate; its history stays. A live candidate cannot be dropped."""
    updated = CandidateSite.objects.filter(pk=candidate.pk, outcome=CandidateSite.Outcome.OPEN).update(
        outcome=CandidateSite.Outcome.DROPPED, notes=f"{candidate.notes}\nDropped: {reason}".strip()
    )
    candidate.refresh_from_db()
    if not updated and candidate.outcome != CandidateSite.Outcome.DROPPED:
        raise ValidationError(f"{candidate.name} is live and cannot be dropped.")
    return candidate


def _site_create(candidate: CandidateSite) -> Site:
    return registry.site_create(**{name: getattr(candidate, name) for name in SITE_FIELDS}, is_published=False)


def candidate_station_register(
    *, candidate: CandidateSite, identity: str, password: str, connectors: list[dict], **fields
) -> ChargingStation:
    """Register the station installed at the candidate's site, Pending until staff accept
    it after its first boot. Raises ValidationError before installation has started."""
    if candidate.site_id is None:
        raise ValidationError("The site exists once installation starts; register the station then.")
    return registry.station_create(
        identity=identity,
        password=password,
        connectors=connectors,
        site=candidate.site,
        registration_status=RegistrationStatus.PENDING,
        **fields,
    )


def candidate_station_accept(*, candidate: CandidateSite, station: ChargingStation) -> ChargingStation:
    """Accept a station of this candidate's site (its next boot is answered Accepted)."""
    if candidate.site_id is None or station.site_id != candidate.site_id:
        raise ValidationError(f"{station.identity} is not at {candidate.name}.")
    return station_admin.station_update(station=station, registration_status=RegistrationStatus.ACCEPTED)


def candidate_site_publish(*, candidate: CandidateSite) -> Site:
    """Publish the site to drivers and partners: only once a station is registered,
    accepted after a boot and has completed a test session. Idempotent."""
    blockers = [item.label for item in commissioning_checklist(candidate=candidate)[:-1] if not item.done]
    if blockers:
        raise ValidationError(f"Not ready to publish: {', '.join(blockers)}.")
    Site.objects.filter(pk=candidate.site_id).update(is_published=True)
    return Site.objects.get(pk=candidate.site_id)


def commissioning_checklist(*, candidate: CandidateSite) -> list[ChecklistItem]:
    """What commissioning needs, read from the stations' own state, in order."""
    stations = ChargingStation.objects.filter(site_id=candidate.site_id) if candidate.site_id else None
    registered = bool(stations is not None and stations.exists())
    accepted = (
        registered
        and stations.filter(registration_status=RegistrationStatus.ACCEPTED, last_boot_at__isnull=False).exists()
    )
    tested = (
        registered
        and ChargingSession.objects.filter(
            station__in=stations, status=ChargingSession.Status.COMPLETED, energy_wh__gt=0
        ).exists()
    )
    published = bool(candidate.site_id and Site.objects.filter(pk=candidate.site_id, is_published=True).exists())
    return [
        ChecklistItem("registered", "station registered", registered),
        ChecklistItem("accepted", "station accepted after a boot", accepted),
        ChecklistItem("test_session", "first successful test session", tested),
        ChecklistItem("published", "site published", published),
    ]
