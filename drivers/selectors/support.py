"""A driver's support tickets."""

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, QuerySet, When

from drivers.models import Driver, SupportTicket


def driver_tickets(*, driver: Driver) -> QuerySet[SupportTicket]:
    return SupportTicket.objects.filter(driver=driver).annotate(message_count=Count("messages")).order_by("-updated_at")


def driver_ticket(*, driver: Driver, ticket_id: int) -> SupportTicket | None:
    return (
        SupportTicket.objects.filter(driver=driver, pk=ticket_id)
        .prefetch_related("messages")
        .select_related("session__station")
        .first()
    )


def desk_tickets(*, include_closed: bool = False) -> QuerySet[SupportTicket]:
    """The support inbox: waiting for staff first, then the longest waiting."""
    tickets = SupportTicket.objects.select_related("driver__user", "session__station", "assigned_to").annotate(
        message_count=Count("messages")
    )
    if not include_closed:
        tickets = tickets.exclude(status=SupportTicket.Status.CLOSED)
    waiting_first = Case(When(status=SupportTicket.Status.OPEN, then=0), default=1)
    return tickets.order_by(waiting_first, "updated_at")


def desk_ticket(*, ticket_id: int) -> SupportTicket | None:
    return (
        SupportTicket.objects.filter(pk=ticket_id)
        .select_related("driver__user", "session__station", "assigned_to")
        .prefetch_related("messages")
        .first()
    )


def desk_agents():
    """Who can handle support chats: active staff, by name."""
    return get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
