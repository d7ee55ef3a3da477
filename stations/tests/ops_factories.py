"""Factories for operations (incidents, maintenance, firmware), beside the registry's."""

from datetime import UTC, date, datetime

import factory

from stations.models import FirmwareCampaign, Incident, MaintenancePlan, WorkOrder
from stations.tests.factories import ChargingStationFactory, SiteFactory

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    station = factory.SubFactory(ChargingStationFactory)
    connector_number = 1
    cause = Incident.Cause.CONNECTOR_FAULT
    status = Incident.Status.OPEN
    first_seen_at = T0
    last_seen_at = T0
    opened_at = T0


PLAN_CREATED = datetime(2025, 1, 1, tzinfo=UTC)


class MaintenancePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenancePlan
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Plan {n}")
    site = factory.SubFactory(SiteFactory)
    every_days = 90
    lead_days = 14
    checklist = ["Inspect cables", "Test RCD", "Clean display"]

    @factory.post_generation
    def created_at(self, create, extracted, **kwargs):
        # auto_now_add stamps the real clock while tests run on fixed ones; the planner
        # counts a never-visited station from the plan's creation, so date it explicitly.
        if create:
            self.created_at = extracted or PLAN_CREATED
            MaintenancePlan.objects.filter(pk=self.pk).update(created_at=self.created_at)


class WorkOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrder

    station = factory.SubFactory(ChargingStationFactory)
    kind = WorkOrder.Kind.CORRECTIVE
    title = factory.Sequence(lambda n: f"Work order {n}")
    due_date = date(2026, 3, 10)


class FirmwareCampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirmwareCampaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    firmware_url = "https://firmware.example.com/fw-2.0.bin"
    target_version = "2.0"
    filter_model = "TestModel"
    batch_size = 2
    window_start = T0
    window_end = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    failure_threshold = 2
    status = FirmwareCampaign.Status.RUNNING
