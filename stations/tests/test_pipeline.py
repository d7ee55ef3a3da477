"""The site pipeline: stages in order, the site created unpublished at installation,
the commissioning checklist read from the station's own state, publishing and going live."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from stations.models import CandidateSite, ChargingSession, ChargingStation, PipelineStage, RegistrationStatus
from stations.operations.services import uptime
from stations.pipeline.models.candidates import STAGE_ORDER, Stage
from stations.pipeline.services import candidates
from stations.selectors import locations
from stations.tests.factories import STATION_PASSWORD, ChargingSessionFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CONNECTORS = [{"connector_id": 1, "standard": "IEC_62196_T2", "power_type": "AC_3_PHASE", "max_power_kw": 22}]


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("planner", "planner@example.com", "x", is_staff=True)


def candidate_create(**fields):
    return candidates.candidate_create(
        **{
            "name": "Marktplatz",
            "operator": OrganisationFactory(),
            "address": "Marktplatz 1",
            "city": "Potsdam",
            "postal_code": "14467",
            "country": "DE",
            "latitude": Decimal("52.400000"),
            "longitude": Decimal("13.060000"),
            "time_zone": "Europe/Berlin",
            **fields,
        }
    )


def advance_to(candidate, stage, user):
    for current in STAGE_ORDER[: STAGE_ORDER.index(stage)]:
        candidate = candidates.stage_complete(candidate=candidate, stage=current, user=user, now=NOW)
    return candidate


def test_a_new_candidate_is_at_survey_with_a_row_per_stage(staff):
    candidate = candidate_create(stage_plan={Stage.SURVEY: {"owner": staff, "due_on": date(2026, 3, 9)}})
    assert candidate.stage == Stage.SURVEY
    assert list(candidate.stages.order_by("pk").values_list("stage", flat=True)) == STAGE_ORDER
    assert PipelineStage.objects.get(candidate=candidate, stage=Stage.SURVEY).owner == staff


def test_bad_coordinates_are_refused_and_nothing_is_saved():
    with pytest.raises(ValidationError) as error:
        candidate_create(latitude=Decimal("95"))
    assert "latitude" in error.value.message_dict
    assert not CandidateSite.objects.exists()


def test_a_stage_cannot_be_skipped(staff):
    candidate = candidate_create()
    with pytest.raises(ValidationError, match="Complete Survey first"):
        candidates.stage_complete(candidate=candidate, stage=Stage.PERMIT, user=staff, now=NOW)


def test_completing_a_stage_twice_changes_nothing(staff):
    candidate = candidate_create()
    candidates.stage_complete(candidate=candidate, stage=Stage.SURVEY, user=staff, now=NOW)
    again = candidates.stage_complete(candidate=candidate, stage=Stage.SURVEY, user=staff, now=NOW + timedelta(hours=1))
    assert again.stage == Stage.LANDLORD
    assert PipelineStage.objects.get(candidate=candidate, stage=Stage.SURVEY).completed_at == NOW


def test_installation_creates_the_site_unpublished_and_invisible_to_drivers(staff):
    candidate = advance_to(candidate_create(), Stage.INSTALLATION, staff)
    assert candidate.stage == Stage.INSTALLATION
    assert (candidate.site.name, candidate.site.city, candidate.site.is_published) == ("Marktplatz", "Potsdam", False)
    station = candidates.candidate_station_register(
        candidate=candidate, identity="CP-POTSDAM-1", password=STATION_PASSWORD, connectors=CONNECTORS
    )
    candidates.candidate_station_accept(candidate=candidate, station=station)
    assert not locations.locations_search(query=locations.LocationQuery()).filter(pk=candidate.site_id).exists()


def test_a_station_cannot_be_registered_before_installation(staff):
    candidate = candidate_create()
    with pytest.raises(ValidationError, match="installation starts"):
        candidates.candidate_station_register(
            candidate=candidate, identity="CP-EARLY", password=STATION_PASSWORD, connectors=CONNECTORS
        )


def test_commissioning_needs_the_whole_checklist_and_then_goes_live(staff):
    candidate = advance_to(candidate_create(), Stage.COMMISSIONING, staff)

    def done():
        return [item.key for item in candidates.commissioning_checklist(candidate=candidate) if item.done]

    with pytest.raises(ValidationError, match="station registered"):
        candidates.stage_complete(candidate=candidate, stage=Stage.COMMISSIONING, user=staff, now=NOW)
    station = candidates.candidate_station_register(
        candidate=candidate, identity="CP-POTSDAM-1", password=STATION_PASSWORD, connectors=CONNECTORS
    )
    assert station.registration_status == RegistrationStatus.PENDING
    assert done() == ["registered"]
    with pytest.raises(ValidationError, match="Not ready to publish"):
        candidates.candidate_site_publish(candidate=candidate)
    candidates.candidate_station_accept(candidate=candidate, station=station)
    assert done() == ["registered"]  # accepted, but it has not booted since
    station.last_boot_at = NOW
    station.save(update_fields=["last_boot_at"])
    assert done() == ["registered", "accepted"]
    ChargingSessionFactory(station=station, status=ChargingSession.Status.COMPLETED, energy_wh=0)
    assert "test_session" not in done()  # a session that delivered nothing is no test
    ChargingSessionFactory(station=station, status=ChargingSession.Status.COMPLETED, energy_wh=1200)
    candidates.candidate_site_publish(candidate=candidate)
    assert done() == ["registered", "accepted", "test_session", "published"]
    candidate = candidates.stage_complete(candidate=candidate, stage=Stage.COMMISSIONING, user=staff, now=NOW)
    assert (candidate.stage, candidate.outcome) == (Stage.LIVE, CandidateSite.Outcome.LIVE)
    assert locations.location_detail(site_id=candidate.site_id) is not None


def test_a_dropped_candidate_moves_no_further(staff):
    candidate = candidates.candidate_drop(candidate=candidate_create(), reason="landlord said no")
    with pytest.raises(ValidationError, match="dropped"):
        candidates.stage_complete(candidate=candidate, stage=Stage.SURVEY, user=staff, now=NOW)
    assert "landlord said no" in candidate.notes


def test_a_station_of_another_site_cannot_be_accepted_through_a_candidate(staff):
    candidate = advance_to(candidate_create(), Stage.INSTALLATION, staff)
    stranger = ChargingSessionFactory().station
    with pytest.raises(ValidationError, match="is not at"):
        candidates.candidate_station_accept(candidate=candidate, station=stranger)


def test_uptime_waits_for_the_site_to_go_live(staff):
    candidate = advance_to(candidate_create(), Stage.COMMISSIONING, staff)
    station = candidates.candidate_station_register(
        candidate=candidate, identity="CP-POTSDAM-1", password=STATION_PASSWORD, connectors=CONNECTORS
    )
    assert uptime.uptime_compute_day(day=NOW.date(), now=NOW + timedelta(days=1), station_ids=[station.pk]) == 0
    candidates.candidate_station_accept(candidate=candidate, station=station)
    ChargingStation.objects.filter(pk=station.pk).update(last_boot_at=NOW)
    ChargingSessionFactory(station=station, status=ChargingSession.Status.COMPLETED, energy_wh=1200)
    candidates.candidate_site_publish(candidate=candidate)
    candidates.stage_complete(candidate=candidate, stage=Stage.COMMISSIONING, user=staff, now=NOW)
    station.refresh_from_db()
    assert station.commissioned_on == NOW.date()
    assert uptime.uptime_compute_day(day=NOW.date(), now=NOW + timedelta(days=1), station_ids=[station.pk]) == 1
