"""Portal pages: the map/search home and a site's page."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from drivers.forms.stations import StationSearchForm
from drivers.selectors import stations as driver_stations
from stations import prices


def home(request):
    form = StationSearchForm(request.GET or None)
    results = driver_stations.station_search(query=form.station_query())
    markers = [_marker(result) for result in results]
    return render(request, "portal/search.html", {"form": form, "results": results, "markers": markers})


def site_detail(request, site_id: int):
    result = driver_stations.site_detail(site_id=site_id)
    if result is None:
        raise Http404(_("No such charging site."))
    driver = getattr(request.user, "driver", None) if request.user.is_authenticated else None
    connector_prices = prices.connector_prices(
        connectors=[connector for station in result.stations for connector in station.public_connectors], driver=driver
    )
    stations = [
        {
            "station": station,
            "connectors": [
                _connector_row(connector, station=station, price=connector_prices.get(connector.pk))
                for connector in station.public_connectors
            ],
        }
        for station in result.stations
    ]
    context = {
        "result": result,
        "site": result.site,
        "stations": stations,
        "opening_hours": driver_stations.opening_hours_by_day(hours=result.site.public_opening_hours),
        "station_ids": [station.pk for station in result.stations],
    }
    return render(request, "portal/site.html", context)


def _connector_row(connector, *, station, price: str | None) -> dict:
    availability = driver_stations.connector_availability(connector=connector, station=station)
    return {
        "connector": connector,
        "availability": availability,
        "can_start": availability in driver_stations.STARTABLE,
        "can_reserve": availability in driver_stations.RESERVABLE,
        "price": price,
    }


def _marker(result: driver_stations.SiteResult | driver_stations.ForeignSiteResult) -> dict:
    if isinstance(result, driver_stations.ForeignSiteResult):
        # Another network's site: its marker says whose it is.
        return {
            "lat": float(result.latitude),
            "lng": float(result.longitude),
            "name": f"{result.name} ({result.network})",
            "url": result.url,
            "availability": result.availability,
            "summary": _("%(free)s of %(total)s free · up to %(kw)s kW")
            % {"free": result.available_count, "total": result.connector_count, "kw": f"{result.max_power_kw:g}"},
        }
    return {
        "lat": float(result.site.latitude),
        "lng": float(result.site.longitude),
        "name": result.site.name,
        "url": reverse("portal-site", args=[result.site.pk]),
        "availability": result.availability,
        "summary": _("%(free)s of %(total)s free · up to %(kw)s kW")
        % {"free": result.available_count, "total": result.connector_count, "kw": f"{result.max_power_kw:g}"},
    }
