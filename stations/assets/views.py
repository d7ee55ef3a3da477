"""Staff page of per-site profitability under /ops/profitability/ (CSV with ?format=csv)."""

import csv
from datetime import date

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from stations.assets.selectors.profitability import site_profitability
from stations.models import Site

COLUMNS = [
    "site",
    "currency",
    "revenue",
    "owner_share",
    "commission",
    "energy_cost",
    "maintenance_cost",
    "labour_cost",
    "margin",
    "capex",
    "payback_years",
    "energy_unpriced_wh",
    "labour_unpriced_minutes",
]
MAX_DAYS = 731


@staff_member_required
@require_GET
def profitability(request):
    today = timezone.now().date()
    try:
        end = date.fromisoformat(request.GET.get("end") or today.isoformat())
        start = date.fromisoformat(request.GET.get("start") or end.replace(month=1, day=1).isoformat())
    except ValueError:
        return HttpResponse(_("Dates as YYYY-MM-DD, please."), status=400, content_type="text/plain")
    if end < start or (end - start).days > MAX_DAYS:
        return HttpResponse(_("The range must run forward and span at most two years."), status=400)
    rows = site_profitability(site_ids=Site.objects.values_list("pk", flat=True), start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="profitability-{start}-{end}.csv"'
        writer = csv.writer(response)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if row[column] is None else row[column] for column in COLUMNS])
        return response
    context = {"rows": rows, "start": start, "end": end, "querystring": request.GET.urlencode()}
    return render(request, "ops/profitability.html", context)
