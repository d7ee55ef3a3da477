"""Reads for charging sessions and their reconciliation items."""

from django.db.models import QuerySet

from stations.models import ChargingSession
from stations.models.sessions import TransactionDiscrepancy


def session_by_transaction(*, station_id: int, transaction_id: int) -> ChargingSession | None:
    return ChargingSession.objects.filter(station_id=station_id, pk=transaction_id).first()


def session_by_charger_transaction(*, station_id: int, charger_transaction_id: str) -> ChargingSession | None:
    """The session of an OCPP 2.0.1/2.1 transaction, by the string id its charger chose."""
    return ChargingSession.objects.filter(station_id=station_id, charger_transaction_id=charger_transaction_id).first()


def sessions_active(*, station_id: int | None = None) -> QuerySet[ChargingSession]:
    sessions = ChargingSession.objects.filter(status=ChargingSession.Status.ACTIVE)
    return sessions.filter(station_id=station_id) if station_id is not None else sessions


def session_active_on_connector(*, station_id: int, connector_number: int) -> ChargingSession | None:
    return (
        sessions_active(station_id=station_id).filter(connector_number=connector_number).order_by("-started_at").first()
    )


def discrepancies_open(*, station_id: int | None = None) -> QuerySet[TransactionDiscrepancy]:
    items = TransactionDiscrepancy.objects.filter(resolved_at__isnull=True)
    return items.filter(station_id=station_id) if station_id is not None else items
