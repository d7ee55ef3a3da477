"""The portal's page of a partner CPO's site (another network's Location found in the
search): its EVSEs with their availability and connectors, and the price our driver pays."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from roaming.selectors.partner_locations import partner_site_detail


def partner_site(request, country_code: str, party_id: str, location_id: str):
    result = partner_site_detail(
        country_code=country_code, party_id=party_id, location_id=location_id, at=timezone.now()
    )
    if result is None:
        raise Http404(_("No such charging site."))
    return render(request, "portal/partner_site.html", {"result": result})
