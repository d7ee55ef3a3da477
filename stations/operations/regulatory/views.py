"""Staff downloads of the regulatory reports under /ops/reports/: a page with the forms,
and one CSV per report. Thin: parse the period, call the report, write its rows."""

import csv
from datetime import UTC, date, datetime, timedelta

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from stations.models import ChargingStation
from stations.operations.regulatory import afir, quarterly, reports

MAX_CEC_DAYS = 31


def _csv(name: str, rows: list[dict], columns: list[str] | None = None) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    columns = columns or (list(rows[0]) if rows else [])
    writer = csv.writer(response)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[column] is None else row[column] for column in columns])
    return response


def _bad(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _all_station_ids():
    return ChargingStation.objects.values_list("pk", flat=True)


@staff_member_required
@require_GET
def reports_page(request):
    today = timezone.now().date()
    previous_month = today.replace(day=1) - timedelta(days=1)
    month = request.GET.get("month") or previous_month.strftime("%Y-%m")
    try:
        chosen = date.fromisoformat(f"{month}-01")
    except ValueError:
        return _bad(_("Month as YYYY-MM, please."))
    context = {
        "month": chosen,
        "nevi": reports.nevi_port_uptime(station_ids=_all_station_ids(), month=chosen),
        "uk": reports.uk_rapid_reliability(station_ids=_all_station_ids(), year=today.year - 1),
        "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        "afir": afir.afir_site_checks(at=timezone.now()),
        "today": today,
    }
    return render(request, "ops/reports.html", context)


@staff_member_required
@require_GET
def nevi_uptime_csv(request):
    try:
        month = date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        return _bad(_("Month as YYYY-MM, please."))
    rows = reports.nevi_port_uptime(station_ids=_all_station_ids(), month=month)
    for row in rows:
        row["excluded_by_cause"] = "; ".join(f"{c}={m}" for c, m in row["excluded_by_cause"].items())
        row["evidence"] = " | ".join(row["evidence"])
    return _csv(f"nevi-uptime-{month:%Y-%m}", rows)


@staff_member_required
@require_GET
def nevi_quarterly_csv(request, part: str):
    """One part of the NEVI quarterly submittal (sessions, uptime, outages) as CSV."""
    value = request.GET.get("quarter", "")
    try:
        start, end = quarterly.quarter_bounds(year=int(value[:4]), quarter=int(value.split("Q")[1]))
    except (ValueError, IndexError):
        return _bad(_("Quarter as YYYY-Qn, please."))
    rows, columns = quarterly.NEVI_QUARTER_PARTS[part]
    found = rows(station_ids=_all_station_ids(), start=start, end=min(end, timezone.now()))
    return _csv(f"nevi-{part}-{value}", found, columns=list(columns))


@staff_member_required
@require_GET
def uk_reliability_csv(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return _bad(_("Year as YYYY, please."))
    report = reports.uk_rapid_reliability(station_ids=_all_station_ids(), year=year)
    rows = [*report["charge_points"]]
    rows.append({"station_id": "NETWORK", "max_power_kw": "", "reliability_percent": report["network_percent"]})
    return _csv(f"uk-rapid-reliability-{year}", rows, columns=["station_id", "max_power_kw", "reliability_percent"])


@staff_member_required
@require_GET
def cec_intervals_csv(request):
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        return _bad(_("Dates as YYYY-MM-DD, please."))
    if end < start or (end - start).days >= MAX_CEC_DAYS:
        return _bad(_("The range must run forward and span at most 31 days."))
    rows = reports.cec_interval_rows(
        station_ids=_all_station_ids(),
        start=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        end=min(datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC), timezone.now()),
    )
    return _csv(f"cec-intervals-{start}-{end}", rows, columns=list(reports.CEC_COLUMNS))


@staff_member_required
@require_GET
def afir_checks_csv(request):
    rows = [
        {"site": row["site"], "check": check.key, "passed": check.passed, "detail": check.detail}
        for row in afir.afir_site_checks(at=timezone.now())
        for check in row["checks"]
    ]
    return _csv("afir-checks", rows, columns=["site", "check", "passed", "detail"])
