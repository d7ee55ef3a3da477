"""Support tickets: open, reply, close."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from drivers.models import Driver, SessionToken, SupportTicket, TicketMessage


@transaction.atomic
def support_ticket_open(
    *, driver: Driver, subject: str, body: str, topic: str = SupportTicket.Topic.OTHER, session=None
) -> SupportTicket:
    """A new open ticket with the driver's first message. Raises ValidationError for an
    empty subject or message, or a session that is not the driver's."""
    if session is not None and not SessionToken.objects.filter(session=session, token__driver=driver).exists():
        raise ValidationError({"session": _("This is not one of your sessions.")})
    ticket = SupportTicket(driver=driver, subject=subject.strip(), topic=topic, session=session)
    ticket.full_clean()
    ticket.save()
    ticket_message_post(ticket=ticket, author=driver.user, body=body)
    return ticket


@transaction.atomic
def ticket_message_post(*, ticket: SupportTicket, author, body: str) -> TicketMessage:
    """Add a message to the thread. Staff replies mark the ticket answered, driver replies
    open it again (also a closed one: the driver is still waiting). Raises ValidationError
    for an empty message or an author who is neither the ticket's driver nor staff."""
    ticket = SupportTicket.objects.select_for_update().select_related("driver").get(pk=ticket.pk)
    from_staff = author.pk != ticket.driver.user_id
    if from_staff and not author.is_staff:
        raise ValidationError(_("Only the driver and staff may write in this ticket."))
    if not body.strip():
        raise ValidationError({"body": _("Please write a message.")})
    message = TicketMessage(ticket=ticket, author=author, from_staff=from_staff, body=body.strip())
    message.full_clean()
    message.save()
    ticket.status = SupportTicket.Status.ANSWERED if from_staff else SupportTicket.Status.OPEN
    ticket.save(update_fields=["status", "updated_at"])
    return message


def support_ticket_close(*, ticket: SupportTicket) -> SupportTicket:
    """Close the ticket. Idempotent."""
    SupportTicket.objects.filter(pk=ticket.pk).exclude(status=SupportTicket.Status.CLOSED).update(
        status=SupportTicket.Status.CLOSED
    )
    ticket.refresh_from_db()
    return ticket
