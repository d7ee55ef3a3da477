"""The owner portal at /owner/: read-only pages for the people of an organisation that owns
charging stations (and for staff, who see every owner's view); its monthly analytics
report page is also open to partner CPOs that subscribe to it. Thin: each view calls the
owner selectors, which scope by the same rules as the API's owner role."""

from datetime import date, timedelta
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.selectors import owner_overview
from billing.selectors.analytics_reports import report_reader_organisations, subscribed_reports
from billing.selectors.api_access import statements_visible_to

PERIOD_DAYS = 30
SESSIONS_PER_PAGE = 50


def _members_only(may_enter):
    """A view for signed-in staff and logins for which `may_enter(user)` holds; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (request.user.is_staff or may_enter(request.user)):
                return HttpResponseForbidden(render_to_string("owner/forbidden.html", request=request))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# A member of an owner organisation.
owner_required = _members_only(lambda user: owner_overview.owner_organisations(user=user).exists())
# An owner's member or a member of an analytics subscriber (a partner CPO).
report_reader_required = _members_only(lambda user: report_reader_organisations(user=user).exists())


@owner_required
@require_GET
def home(request):
    user, now = request.user, timezone.now()
    since = now - timedelta(days=PERIOD_DAYS)
    summaries = owner_overview.owner_station_summaries(user=user, since=since)
    uptime = owner_overview.owner_port_uptime(user=user, start=since.date(), end=now.date())
    rows = [
        {
            "summary": summary,
            "ports": [
                {"connector": connector, "uptime": uptime.get((summary.station.pk, connector.connector_id))}
                for connector in summary.station.connectors.all()
            ],
        }
        for summary in summaries
    ]
    context = {
        "organisations": owner_overview.owner_organisations(user=user),
        "rows": rows,
        "totals": owner_overview.owner_totals(summaries),
        "period_days": PERIOD_DAYS,
        "agreements": owner_overview.owner_agreements(user=user),
        "incidents": owner_overview.owner_open_incidents(user=user)[:20],
        "work_orders": owner_overview.owner_work_orders(user=user)[:20],
    }
    return render(request, "owner/home.html", context)


@owner_required
@require_GET
def sessions(request):
    page = Paginator(owner_overview.owner_sessions(user=request.user), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    cdrs = owner_overview.session_cdrs(user=request.user, session_ids=[session.pk for session in page])
    rows = [{"session": session, "cdr": cdrs.get(session.pk)} for session in page]
    return render(request, "owner/sessions.html", {"page": page, "rows": rows})


@owner_required
@require_GET
def statements(request):
    rows = statements_visible_to(user=request.user).order_by("-period_start", "party__name")
    return render(request, "owner/statements.html", {"statements": rows})


@report_reader_required
@require_GET
def analytics_report(request):
    """The monthly analytics report for each of the login's organisations subscribed to it
    (default: last month); ?month=YYYY-MM picks another. Scoped to the login's own
    organisations: nothing in the request names another."""
    last_month = (timezone.now().date().replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        month = date.fromisoformat(f"{request.GET['month']}-01") if request.GET.get("month") else last_month
    except ValueError:
        return HttpResponseBadRequest("month as YYYY-MM, please.", content_type="text/plain")
    reports = subscribed_reports(organisations=report_reader_organisations(user=request.user), month=month)
    return render(request, "owner/analytics_report.html", {"month": month, "reports": reports, "hours": range(24)})
