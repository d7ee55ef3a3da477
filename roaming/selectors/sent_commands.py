"""What we asked partner CPOs for our drivers, as the portal shows it."""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from roaming.models import SentCommand

# A cancellation that ended the reservation at the charger (or found it gone there).
CANCELLED = ("CANCELED_RESERVATION", "UNKNOWN_RESERVATION")


def partner_reservations_open(*, user, partner_id: int, location_id: str) -> QuerySet[SentCommand]:
    """The driver's reservations at the partner's Location that the partner took and the
    charger did not refuse, not yet expired nor cancelled: each gets a Cancel button."""
    cancelled = SentCommand.objects.filter(
        partner_id=OuterRef("partner_id"),
        command="CANCEL_RESERVATION",
        reservation_id=OuterRef("reservation_id"),
        result__in=CANCELLED,
    )
    return (
        SentCommand.objects.filter(
            token__driver__user=user,
            partner_id=partner_id,
            location_id=location_id,
            command="RESERVE_NOW",
            response="ACCEPTED",
            result__in=("", "ACCEPTED"),
            expires_at__gt=timezone.now(),
        )
        .exclude(Exists(cancelled))
        .order_by("expires_at")
    )
