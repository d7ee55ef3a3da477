"""A driver's support tickets."""

from django.db.models import Count, QuerySet

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
