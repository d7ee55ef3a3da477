"""Breakdown reports from drivers (contract 6): validation, de-duplication, and the
corrective work order they open."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from drivers.models import BreakdownReport
from drivers.services import breakdowns
from drivers.tests.factories import DriverFactory
from stations.models import Incident, WorkOrder
from stations.operations.services import maintenance
from stations.tests.factories import ConnectorFactory
from stations.tests.ops_factories import T0

pytestmark = pytest.mark.django_db


def test_report_opens_a_corrective_work_order_and_an_open_incident():
    connector = ConnectorFactory()
    report = breakdowns.breakdown_report_create(
        driver=DriverFactory(),
        station=connector.station,
        connector=connector,
        description="  Cable is cut  ",
        category=BreakdownReport.Category.DAMAGED,
        now=T0,
    )
    assert report.description == "Cable is cut"
    assert report.work_order.kind == WorkOrder.Kind.CORRECTIVE
    assert list(report.work_order.connectors.all()) == [connector]
    incident = report.work_order.incident
    assert (incident.cause, incident.status, incident.connector_number) == (
        Incident.Cause.DRIVER_REPORT,
        Incident.Status.OPEN,
        connector.connector_id,
    )


def test_double_submit_returns_the_same_report():
    connector = ConnectorFactory()
    driver = DriverFactory()
    kwargs = {"driver": driver, "station": connector.station, "connector": connector, "description": "Dead screen"}
    first = breakdowns.breakdown_report_create(**kwargs, now=T0)
    second = breakdowns.breakdown_report_create(**kwargs, now=T0 + timedelta(minutes=1))
    assert first.pk == second.pk
    assert BreakdownReport.objects.count() == 1


def test_two_drivers_reporting_the_same_station_share_one_work_order_and_incident():
    connector = ConnectorFactory()
    first = breakdowns.breakdown_report_create(
        driver=DriverFactory(), station=connector.station, connector=connector, description="No charge", now=T0
    )
    second = breakdowns.breakdown_report_create(
        driver=DriverFactory(), station=connector.station, connector=connector, description="Broken", now=T0
    )
    assert first.work_order_id == second.work_order_id
    incident = Incident.objects.get()
    assert incident.occurrences == 2


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("description", {"description": "   "}),
        ("description", {"description": "x" * 2001}),
        ("category", {"description": "ok", "category": "nonsense"}),
    ],
)
def test_bad_report_is_refused_with_the_field_named_and_nothing_written(field, kwargs):
    connector = ConnectorFactory()
    with pytest.raises(ValidationError) as error:
        breakdowns.breakdown_report_create(driver=DriverFactory(), station=connector.station, **kwargs)
    assert field in error.value.message_dict
    assert not BreakdownReport.objects.exists()
    assert not WorkOrder.objects.exists()


def test_connector_of_another_station_is_refused():
    connector = ConnectorFactory()
    with pytest.raises(ValidationError) as error:
        breakdowns.breakdown_report_create(
            driver=DriverFactory(), station=ConnectorFactory().station, connector=connector, description="Broken"
        )
    assert "connector" in error.value.message_dict


def test_completing_the_work_order_resolves_the_reports_and_the_incident():
    connector = ConnectorFactory()
    report = breakdowns.breakdown_report_create(
        driver=DriverFactory(), station=connector.station, connector=connector, description="No charge", now=T0
    )
    maintenance.work_order_start(work_order=report.work_order, now=T0 + timedelta(hours=4))
    report.refresh_from_db()
    assert report.status == BreakdownReport.Status.IN_PROGRESS
    maintenance.work_order_complete(work_order=report.work_order, notes="Replaced cable", now=T0 + timedelta(hours=5))
    report.refresh_from_db()
    assert report.status == BreakdownReport.Status.RESOLVED
    assert Incident.objects.get().status == Incident.Status.RESOLVED
    assert "Replaced cable" in report.work_order.notes
