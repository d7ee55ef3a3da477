"""Pay-as-you-go QR codes: each EVSE's code holds the address of its pay page, never a
price, so the page it opens always shows what applies now (a "dynamic" code: prices and
availability change, the printed sticker does not)."""

from dataclasses import dataclass

import segno
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from stations.models import Connector


@dataclass(frozen=True)
class EvseCode:
    site_name: str
    station_identity: str
    evse_number: int
    url: str
    svg: SafeString


def evse_pay_path(*, connector: Connector) -> str:
    return reverse("pay-evse", args=[connector.station.identity, connector.evse_number])


def evse_codes(*, connectors, absolute) -> list[EvseCode]:
    """One code per EVSE among `connectors` (several connectors of one EVSE share it), in
    the order given; `absolute(path)` makes the address a phone can open."""
    codes, seen = [], set()
    for connector in connectors:
        evse = (connector.station_id, connector.evse_number)
        if evse in seen:
            continue
        seen.add(evse)
        url = absolute(evse_pay_path(connector=connector))
        # Level M survives a scuffed sticker (15 % of the modules) and keeps the code small.
        svg = segno.make(url, error="m").svg_inline(scale=5, border=2, title=url)
        site_name = connector.station.site.name if connector.station.site_id else ""
        # segno writes the SVG itself and escapes the URL in its title.
        safe_svg = mark_safe(svg)  # noqa: S308
        codes.append(EvseCode(site_name, connector.station.identity, connector.evse_number, url, safe_svg))
    return codes
