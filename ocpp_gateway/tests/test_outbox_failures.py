"""The outbox's failure paths in-process: a claim whose frame never left goes back to
pending; queueing with the channel layer down still queues."""

import pytest
from django.utils import timezone

from ocpp_gateway import outbox, protocols
from stations.models import CommandRequest
from stations.services import commands
from stations.tests.factories import ChargingStationFactory

pytestmark = pytest.mark.django_db


def test_unclaimed_command_returns_to_pending_and_is_claimed_again_with_its_message_id():
    station = ChargingStationFactory()
    command = commands.command_request(station=station, action="clear_cache", parameters={})
    first = outbox.command_claim_next(protocol=protocols.OCPP16, station_id=station.pk, now=timezone.now())

    assert outbox.command_unclaim(command_id=command.pk) is True
    command.refresh_from_db()
    assert (command.status, command.sent_at) == (CommandRequest.Status.PENDING, None)
    again = outbox.command_claim_next(protocol=protocols.OCPP16, station_id=station.pk, now=timezone.now())
    assert (again.command_id, again.message_id) == (first.command_id, first.message_id)


def test_unclaim_moves_only_a_sent_command():
    station = ChargingStationFactory()
    command = commands.command_request(station=station, action="clear_cache", parameters={})
    assert outbox.command_unclaim(command_id=command.pk) is False  # still pending
    CommandRequest.objects.filter(pk=command.pk).update(status=CommandRequest.Status.ACCEPTED)
    assert outbox.command_unclaim(command_id=command.pk) is False
    assert CommandRequest.objects.get(pk=command.pk).status == CommandRequest.Status.ACCEPTED


def test_queueing_with_the_channel_layer_down_still_queues(monkeypatch, django_capture_on_commit_callbacks):
    class DownLayer:
        async def group_send(self, group, message):
            raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(commands, "get_channel_layer", lambda: DownLayer())
    station = ChargingStationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        command = commands.command_request(station=station, action="clear_cache", parameters={})
    assert CommandRequest.objects.get(pk=command.pk).status == CommandRequest.Status.PENDING
