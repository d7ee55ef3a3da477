"""Sessions and CDRs, Sender interfaces (we are the CPO): a partner EMSP pulls the sessions
and CDRs of its own tokens (what a missed push would have told it)."""

from django.db.models import F
from django.db.models.functions import Coalesce

from billing.models import ChargeDetailRecord
from roaming.pagination import paginated_response
from roaming.selectors import sessions
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint()
def session_list(request):
    partner = request.ocpi_partner
    queryset = (
        sessions.partner_sessions(partner=partner)
        .filter(station__site__isnull=False)
        .select_related("station")
        .annotate(last_updated=Coalesce("stop_received_at", "last_meter_at", F("started_at")))
    )
    tokens = {token.uid.upper(): token for token in partner.tokens.all()}
    return paginated_response(
        request,
        queryset,
        lambda session: sessions.session_object(session=session, token=tokens[session.id_tag.upper()]),
    )


@ocpi_endpoint()
def cdr_list(request):
    partner = request.ocpi_partner
    tokens = {token.uid.upper(): token for token in partner.tokens.all()}
    session_ids = sessions.partner_sessions(partner=partner).values("pk")
    queryset = (
        ChargeDetailRecord.objects.billable().filter(session__in=session_ids).select_related("session", "station")
    )
    return paginated_response(
        request,
        queryset,
        lambda cdr: sessions.cdr_object(cdr=cdr, token=tokens[cdr.id_tag.upper()]),
        date_field="created_at",
    )
