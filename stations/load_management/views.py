"""Staff ops pages of load management (mounted under /ops/load/): the sites under load
management, and per site the live chart of limit vs allocated vs measured per phase (the
page polls its JSON), each session's share and why, and the event log."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from stations.load_management import selectors
from stations.models import SiteLoadPolicy


@staff_member_required
@require_GET
def load_sites(request):
    policies = SiteLoadPolicy.objects.select_related("site").order_by("site__name")
    return render(request, "ops/load_sites.html", {"policies": policies})


@staff_member_required
@require_GET
def load_site(request, site_id: int):
    overview = selectors.site_load_overview(site_id=site_id, now=timezone.now())
    if overview is None:
        raise Http404("This site has no load management policy.")
    return render(request, "ops/load_site.html", overview)


@staff_member_required
@require_GET
def load_site_json(request, site_id: int):
    overview = selectors.site_load_overview(site_id=site_id, now=timezone.now(), events=0)
    if overview is None:
        raise Http404("This site has no load management policy.")
    return JsonResponse(
        {
            "series": [{**point, "at": point["at"].isoformat()} for point in overview["series"]],
            "sessions": [
                {key: str(value) if value is not None else None for key, value in share.items()}
                for share in overview["sessions"]
            ],
        }
    )
