"""Portal pages: support tickets and breakdown reports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers.forms.support import BreakdownReportForm, TicketForm, TicketReplyForm
from drivers.models import SupportTicket
from drivers.selectors import sessions as sessions_read
from drivers.selectors import support as support_read
from drivers.selectors.stations import public_stations
from drivers.services import breakdowns, support
from drivers.views.base import driver_required


@driver_required
def ticket_list(request):
    # "Chat with us" from a session's page attaches that session (only the driver's own).
    session_id = request.GET.get("session", "")
    session = (
        sessions_read.driver_session(driver=request.driver, session_id=int(session_id))
        if session_id.isdigit()
        else None
    )
    initial = {"topic": SupportTicket.Topic.CHARGING} if session else {}
    form = TicketForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = support.support_ticket_open(driver=request.driver, session=session, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you. Our team will answer here and by e-mail."))
            return redirect("portal-ticket", ticket.pk)
    tickets = support_read.driver_tickets(driver=request.driver)
    return render(request, "portal/support.html", {"form": form, "tickets": tickets, "about_session": session})


@driver_required
def ticket_detail(request, ticket_id: int):
    ticket = support_read.driver_ticket(driver=request.driver, ticket_id=ticket_id)
    if ticket is None:
        raise Http404(_("No such ticket."))
    form = TicketReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            support.ticket_message_post(ticket=ticket, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("portal-ticket", ticket.pk)
    return render(request, "portal/ticket.html", {"ticket": ticket, "form": form})


@require_POST
@driver_required
def ticket_close(request, ticket_id: int):
    ticket = support_read.driver_ticket(driver=request.driver, ticket_id=ticket_id)
    if ticket is None:
        raise Http404(_("No such ticket."))
    support.support_ticket_close(ticket=ticket)
    messages.success(request, _("Ticket closed. Write again any time to reopen it."))
    return redirect("portal-ticket", ticket.pk)


@driver_required
def breakdown_report(request, station_id: int):
    station = public_stations().select_related("site").filter(pk=station_id).first()
    if station is None:
        raise Http404(_("No such charger."))
    form = BreakdownReportForm(request.POST or None, request.FILES or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            breakdowns.breakdown_report_create(
                driver=request.driver, station=station, source="portal", **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Thank you for reporting it. A technician has been sent to fix it."))
            return redirect("portal-site", station.site_id)
    return render(request, "portal/report.html", {"form": form, "station": station})
