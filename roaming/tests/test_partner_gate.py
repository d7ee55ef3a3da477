"""An operator without roaming partners queues nothing for partners: connection, status
and session changes send their push tasks only while a partner is registered, and any
change to a partner is seen by the next event (the cached answer is forgotten)."""

import pytest
from django.utils import timezone

from roaming import receivers
from roaming.models import Partner
from roaming.tests.factories import public_connector, registered_partner
from stations.services.status import connector_status_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    receivers.on_partner_changed(sender=None)  # another test's partners are not this test's
    names = []
    monkeypatch.setattr(receivers, "_send", lambda task, *args: names.append(task.name.rsplit(".", 1)[-1]))
    return names


def _status_change(connector, status, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        connector_status_record(
            station_id=connector.station_id,
            connector_number=connector.connector_id,
            status=status,
            error_code="NoError",
            received_at=timezone.now(),
        )


def test_without_a_registered_partner_a_status_change_queues_nothing(queued, django_capture_on_commit_callbacks):
    connector = public_connector()
    Partner.objects.create(name="Not yet", status=Partner.Status.PENDING)

    _status_change(connector, "Charging", django_capture_on_commit_callbacks)

    assert queued == []


def test_a_partner_registered_after_the_answer_was_cached_gets_the_next_change(
    queued, django_capture_on_commit_callbacks
):
    connector = public_connector()
    _status_change(connector, "Charging", django_capture_on_commit_callbacks)
    assert queued == []  # and "no partner" is now cached

    registered_partner(endpoints=[("locations", "RECEIVER", "https://partner.example/locations")])
    _status_change(connector, "Available", django_capture_on_commit_callbacks)

    assert queued == ["evse_status_changed"]


def test_a_partner_no_longer_registered_stops_the_pushes(queued, django_capture_on_commit_callbacks):
    connector = public_connector()
    partner = registered_partner(endpoints=[("locations", "RECEIVER", "https://partner.example/locations")])
    _status_change(connector, "Charging", django_capture_on_commit_callbacks)
    assert queued == ["evse_status_changed"]

    partner.status = Partner.Status.UNREGISTERED
    partner.save()
    _status_change(connector, "Available", django_capture_on_commit_callbacks)

    assert queued == ["evse_status_changed"]
