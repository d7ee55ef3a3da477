"""Support tickets and their live chat: open, reply, close; the driver is e-mailed a staff
answer, the support inbox a new ticket (each once)."""

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from drivers import support_chat
from drivers.models import Driver, SessionToken, SupportTicket, TicketMessage
from stations import live


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
    live.publish(
        groups=[support_chat.INBOX_GROUP],
        event={"kind": "ticket_opened", "ticket_id": ticket.pk, "subject": ticket.subject},
    )
    if settings.SUPPORT_INBOX_EMAIL:
        ticket_opened_mail.delay(ticket.pk)
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
    fields = ["status", "updated_at"]
    if from_staff and ticket.assigned_to_id is None:
        # The agent who answers an unassigned chat takes it (others see it is handled).
        ticket.assigned_to = author
        fields.append("assigned_to")
    ticket.save(update_fields=fields)
    message.ticket = ticket
    live.publish(
        groups=[support_chat.ticket_group(ticket.pk), support_chat.INBOX_GROUP],
        event={**support_chat.message_event(message), "status": ticket.status},
    )
    if from_staff:
        ticket_answer_mail.delay(message.pk)
    return message


@transaction.atomic
def ticket_assign(*, ticket: SupportTicket, agent) -> SupportTicket:
    """Give the ticket to `agent` (taking it, or handing it over from another agent).
    Raises ValidationError for someone who is not an active staff member. Idempotent."""
    if agent is None or not (agent.is_active and agent.is_staff):
        raise ValidationError({"agent": _("Only an active staff member can take a chat.")})
    return _assignment_set(ticket=ticket, agent=agent)


@transaction.atomic
def ticket_release(*, ticket: SupportTicket) -> SupportTicket:
    """Give the ticket back to the inbox (no agent): anyone may take it. Idempotent."""
    return _assignment_set(ticket=ticket, agent=None)


def _assignment_set(*, ticket: SupportTicket, agent) -> SupportTicket:
    ticket = SupportTicket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.assigned_to_id != (agent.pk if agent else None):
        ticket.assigned_to = agent
        ticket.save(update_fields=["assigned_to", "updated_at"])
        live.publish(
            groups=[support_chat.ticket_group(ticket.pk), support_chat.INBOX_GROUP],
            event={"kind": "ticket_assigned", "ticket_id": ticket.pk, "agent": agent.get_username() if agent else ""},
        )
    return ticket


def support_ticket_close(*, ticket: SupportTicket) -> SupportTicket:
    """Close the ticket. Idempotent."""
    SupportTicket.objects.filter(pk=ticket.pk).exclude(status=SupportTicket.Status.CLOSED).update(
        status=SupportTicket.Status.CLOSED
    )
    ticket.refresh_from_db()
    return ticket


def ticket_answer_notify(*, message_id: int) -> bool:
    """E-mail the driver a staff answer, in their language, with a link to the thread.
    Sent at most once (the row is locked and marked in the transaction that sends), never
    to a closed account. Returns whether a mail went out."""
    with transaction.atomic():
        message = (
            TicketMessage.objects.select_for_update(of=("self",))
            .select_related("ticket__driver__user")
            .filter(pk=message_id, from_staff=True, notified_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        driver = message.ticket.driver
        if driver.account_status == Driver.AccountStatus.CLOSED or not driver.user.email:
            return False
        with translation.override(driver.preferred_language):
            context = {
                "message": message,
                "ticket": message.ticket,
                "url": settings.PORTAL_URL + reverse("portal-ticket", args=[message.ticket_id]),
            }
            send_mail(
                subject=_("Support answered: %(subject)s") % {"subject": message.ticket.subject},
                message=render_to_string("portal/emails/ticket_answered.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[driver.user.email],
            )
        TicketMessage.objects.filter(pk=message.pk).update(notified_at=timezone.now())
    return True


def ticket_opened_notify(*, ticket_id: int) -> bool:
    """E-mail SUPPORT_INBOX_EMAIL about a new ticket, once. Returns whether a mail went out."""
    if not settings.SUPPORT_INBOX_EMAIL:
        return False
    with transaction.atomic():
        ticket = (
            SupportTicket.objects.select_for_update(of=("self",))
            .select_related("driver__user")
            .filter(pk=ticket_id, inbox_notified_at__isnull=True)
            .first()
        )
        if ticket is None:
            return False
        first = ticket.messages.order_by("created_at", "pk").first()
        context = {
            "ticket": ticket,
            "body": first.body if first else "",
            "url": settings.PORTAL_URL + reverse("support-desk-ticket", args=[ticket.pk]),
        }
        send_mail(
            subject=_("New support ticket #%(id)s: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
            message=render_to_string("portal/emails/ticket_opened.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[settings.SUPPORT_INBOX_EMAIL],
        )
        SupportTicket.objects.filter(pk=ticket.pk).update(inbox_notified_at=timezone.now())
    return True


# Tasks this module sends itself are declared here (docs/architecture.md, Celery).
_RETRY = {"acks_late": True, "autoretry_for": (OperationalError, OSError), "retry_backoff": True, "max_retries": 5}


@shared_task(name="drivers.tasks.ticket_answer_mail", **_RETRY)
def ticket_answer_mail(message_id: int) -> bool:
    return ticket_answer_notify(message_id=message_id)


@shared_task(name="drivers.tasks.ticket_opened_mail", **_RETRY)
def ticket_opened_mail(ticket_id: int) -> bool:
    return ticket_opened_notify(ticket_id=ticket_id)
