"""Staff operations pages: the live dashboard, its command buttons, the maintenance
calendar and analytics (staff and owners). Thin: each view calls a selector or a service."""

import calendar as calendar_module
import csv
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stations.models import ChargingSession, ChargingStation, Incident, Site, WorkOrder
from stations.operations.selectors import dashboard as dashboard_selectors
from stations.operations.selectors import uptime as uptime_selectors
from stations.operations.services import health, incidents
from stations.selectors import analytics as analytics_selectors
from stations.services.charging import ChargeRefused

MAX_ANALYTICS_DAYS = 731


def _errors(error: ValidationError) -> JsonResponse:
    detail = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return JsonResponse({"errors": detail}, status=400)


def _refused(refusal: ChargeRefused) -> JsonResponse:
    return JsonResponse({"errors": {"__all__": [refusal.message]}, "code": refusal.code}, status=409)


@staff_member_required
@require_GET
def dashboard(request):
    return render(request, "ops/dashboard.html", {"snapshot": dashboard_selectors.network_snapshot()})


@staff_member_required
@require_GET
def dashboard_snapshot(request):
    """The same state as the first paint, for a page that reconnects after a gap."""
    return JsonResponse(dashboard_selectors.network_snapshot())


@staff_member_required
@require_POST
def station_command(request, station_id: int):
    station = get_object_or_404(ChargingStation, pk=station_id)
    try:
        connector_number = int(request.POST.get("connector", "0"))
        command = health.station_command_send(
            station=station,
            kind=request.POST.get("kind", ""),
            connector_number=connector_number,
            id_tag=request.POST.get("id_tag", ""),
            user=request.user,
        )
    except ChargeRefused as refusal:
        return _refused(refusal)
    except ValueError:
        return JsonResponse({"errors": {"connector": [_("A connector number, please.")]}}, status=400)
    except ValidationError as error:
        return _errors(error)
    return JsonResponse(
        {"command_id": command.pk, "station_id": station.pk, "action": command.action, "status": command.status},
        status=202,
    )


@staff_member_required
@require_POST
def session_intervene(request, session_id: int):
    session = get_object_or_404(ChargingSession, pk=session_id)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    try:
        if action == "soft_close":
            intervention = health.session_soft_close(session=session, user=request.user, reason=reason)
        elif action == "remote_stop":
            intervention = health.session_remote_stop(session=session, user=request.user, reason=reason)
        else:
            return JsonResponse({"errors": {"action": [_("soft_close or remote_stop")]}}, status=400)
    except ChargeRefused as refusal:
        return _refused(refusal)
    except ValidationError as error:
        return _errors(error)
    return JsonResponse(
        {"intervention_id": intervention.pk, "action": intervention.action, "command_id": intervention.command_id}
    )


@staff_member_required
@require_POST
def incident_resolve(request, incident_id: int):
    incident = get_object_or_404(Incident, pk=incident_id)
    incident = incidents.incident_resolve(
        incident=incident, user=request.user, resolution=request.POST.get("resolution", "") or _("Closed by staff")
    )
    return JsonResponse({"incident_id": incident.pk, "status": incident.status})


@staff_member_required
@require_GET
def maintenance_calendar(request):
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        today = timezone.now().date()
        first = today.replace(day=1)
    weeks = calendar_module.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    orders = WorkOrder.objects.filter(due_date__gte=weeks[0][0], due_date__lte=weeks[-1][-1]).select_related(
        "station", "assignee"
    )
    by_day: dict[date, list[WorkOrder]] = {}
    for order in orders:
        by_day.setdefault(order.due_date, []).append(order)
    context = {
        "month": first,
        "previous": (first - timedelta(days=1)).replace(day=1),
        "next": (first + timedelta(days=32)).replace(day=1),
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "today": timezone.now().date(),
        "overdue": WorkOrder.objects.filter(
            status__in=WorkOrder.OPEN_STATUSES, due_date__lt=timezone.now().date()
        ).count(),
    }
    return render(request, "ops/calendar.html", context)


def _analytics_request(request):
    """Parse and authorise the analytics query: the stations the user may see, narrowed by
    site/station/owner; raises Http404 for something outside the user's scope."""
    visible = analytics_selectors.analytics_stations(user=request.user)
    stations = visible
    for param, field in (("site", "site_id"), ("station", "pk"), ("owner", "owner_id")):
        value = request.GET.get(param)
        if value:
            if not value.isdigit():
                raise Http404
            stations = stations.filter(**{field: int(value)})
            if not stations.exists():
                raise Http404
    today = timezone.now().date()
    try:
        end = date.fromisoformat(request.GET.get("end") or today.isoformat())
        start = date.fromisoformat(request.GET.get("start") or (end - timedelta(days=29)).isoformat())
    except ValueError as error:
        raise ValidationError({"start": _("Dates as YYYY-MM-DD, please.")}) from error
    if end < start or (end - start).days > MAX_ANALYTICS_DAYS:
        raise ValidationError({"end": _("The range must run forward and span at most two years.")})
    period = "month" if request.GET.get("period") == "month" else "day"
    rows = analytics_selectors.analytics_series(
        station_ids=stations.values_list("pk", flat=True), start=start, end=end, period=period
    )
    return visible, rows, {"start": start, "end": end, "period": period}


@login_required
@require_GET
def analytics(request):
    try:
        visible, rows, query = _analytics_request(request)
    except ValidationError as error:
        return render(request, "ops/analytics.html", {"errors": error.messages}, status=400)
    if not visible.exists() and not request.user.is_staff:
        raise Http404
    currencies = sorted({currency for row in rows for currency in row["revenue"]})
    chart = {
        "labels": [row["period_start"].isoformat() for row in rows],
        "sessions": [row["sessions"] for row in rows],
        "energy_kwh": [round(row["energy_wh"] / 1000, 3) for row in rows],
        "revenue": {c: [str(row["revenue"].get(c, 0)) for row in rows] for c in currencies},
        "utilisation": [
            str(row["utilisation_percent"]) if row["utilisation_percent"] is not None else None for row in rows
        ],
        "uptime": [str(row["uptime_percent"]) if row["uptime_percent"] is not None else None for row in rows],
    }
    context = {
        "rows": rows,
        "chart": chart,
        "currencies": currencies,
        "totals": analytics_selectors.analytics_totals(rows),
        "query": query,
        "sites": Site.objects.filter(stations__in=visible).distinct(),
        "stations": visible.order_by("identity"),
        "owners": {s.owner for s in visible.select_related("owner") if s.owner_id},
        "selected": {key: request.GET.get(key, "") for key in ("site", "station", "owner")},
        "querystring": request.GET.urlencode(),
    }
    return render(request, "ops/analytics.html", context)


@login_required
@require_GET
def analytics_csv(request):
    try:
        _visible, rows, query = _analytics_request(request)
    except ValidationError as error:
        return HttpResponse("; ".join(error.messages), status=400, content_type="text/plain")
    currencies = sorted({currency for row in rows for currency in row["revenue"]})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="analytics-{query["start"]}-{query["end"]}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "period_start",
            "sessions",
            "energy_kwh",
            *[f"revenue_excl_vat_{c}" for c in currencies],
            "utilisation_percent",
            "uptime_percent",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row["period_start"].isoformat(),
                row["sessions"],
                f"{row['energy_wh'] / 1000:.3f}",
                *[row["revenue"].get(c, "0.00") for c in currencies],
                "" if row["utilisation_percent"] is None else row["utilisation_percent"],
                "" if row["uptime_percent"] is None else row["uptime_percent"],
            ]
        )
    return response


@login_required
@require_GET
def uptime_report(request):
    """Uptime per connector, station or site per day or month against the target; CSV with
    ?format=csv. Owners see their own stations only."""
    stations = analytics_selectors.analytics_stations(user=request.user)
    if not stations.exists() and not request.user.is_staff:
        raise Http404
    level = request.GET.get("level") if request.GET.get("level") in ("connector", "station", "site") else "station"
    period = "day" if request.GET.get("period") == "day" else "month"
    today = timezone.now().date()
    try:
        end = date.fromisoformat(request.GET.get("end") or today.isoformat())
        start = date.fromisoformat(request.GET.get("start") or end.replace(day=1).isoformat())
    except ValueError:
        return HttpResponse(_("Dates as YYYY-MM-DD, please."), status=400, content_type="text/plain")
    if end < start or (end - start).days > MAX_ANALYTICS_DAYS:
        return HttpResponse(_("The range must run forward and span at most two years."), status=400)
    rows = uptime_selectors.uptime_report(
        station_ids=stations.values_list("pk", flat=True), start=start, end=end, level=level, period=period
    )
    label_keys = uptime_selectors.LEVEL_KEYS[level][1:]
    for row in rows:
        row["label"] = " #".join(str(row[key]) for key in label_keys)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="uptime-{level}-{period}-{start}-{end}.csv"'
        writer = csv.writer(response)
        columns = ["period_start", "label", *uptime_selectors.SECONDS, "uptime_percent", "meets_target"]
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row[column] if row[column] is not None else "" for column in columns])
        return response
    context = {
        "rows": rows,
        "level": level,
        "period": period,
        "start": start,
        "end": end,
        "target": settings.OPS_UPTIME_TARGET_PERCENT,
        "querystring": request.GET.urlencode(),
    }
    return render(request, "ops/uptime.html", context)
