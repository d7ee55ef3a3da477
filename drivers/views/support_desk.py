"""The staff support desk: the inbox of open chats and tickets (live over
/ws/support/inbox/) and one conversation with its chat box and canned answers. Replies go
through the same service as the driver's (drivers.services.support)."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from drivers.forms.support import TicketReplyForm
from drivers.selectors import support as support_read
from drivers.services import support

CANNED_ANSWERS = (
    _lazy("Thank you for waiting — I am looking into it now."),
    _lazy("I have restarted the charger remotely; please try again in two minutes."),
    _lazy("I have refunded the session; the credit note is in your account under Billing."),
    _lazy("Could you tell me the charger's number (on its front, e.g. VW-DE-01-01)?"),
)


@staff_member_required
def inbox(request):
    show_closed = request.GET.get("closed") == "1"
    tickets = support_read.desk_tickets(include_closed=show_closed)[:200]
    template = "support/_inbox_rows.html" if request.GET.get("rows") == "1" else "support/inbox.html"
    return render(request, template, {"tickets": tickets, "show_closed": show_closed})


@staff_member_required
def conversation(request, ticket_id: int):
    ticket = support_read.desk_ticket(ticket_id=ticket_id)
    if ticket is None:
        raise Http404(_("No such ticket."))
    form = TicketReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            support.ticket_message_post(ticket=ticket, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("support-desk-ticket", ticket.pk)
    context = {"ticket": ticket, "form": form, "canned": CANNED_ANSWERS, "agents": support_read.desk_agents()}
    return render(request, "support/conversation.html", context)


@require_POST
@staff_member_required
def close(request, ticket_id: int):
    ticket = support_read.desk_ticket(ticket_id=ticket_id)
    if ticket is None:
        raise Http404(_("No such ticket."))
    support.support_ticket_close(ticket=ticket)
    messages.success(request, _("Ticket closed."))
    return redirect("support-desk")


@require_POST
@staff_member_required
def assign(request, ticket_id: int):
    """Take the chat (the agent is the one asking) or hand it over to another agent."""
    ticket = support_read.desk_ticket(ticket_id=ticket_id)
    if ticket is None:
        raise Http404(_("No such ticket."))
    agent = support_read.desk_agents().filter(pk=request.POST.get("agent") or request.user.pk).first()
    try:
        ticket = support.ticket_assign(ticket=ticket, agent=agent)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Now handled by %(agent)s.") % {"agent": ticket.assigned_to.get_username()})
    return redirect("support-desk-ticket", ticket.pk)


@require_POST
@staff_member_required
def release(request, ticket_id: int):
    """Give the chat back to the inbox, for any agent to take."""
    ticket = support_read.desk_ticket(ticket_id=ticket_id)
    if ticket is None:
        raise Http404(_("No such ticket."))
    support.ticket_release(ticket=ticket)
    messages.success(request, _("Back in the inbox for anyone to take."))
    return redirect("support-desk-ticket", ticket.pk)
