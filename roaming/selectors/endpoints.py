from roaming.models import Partner


def partners_receiving(*, module: str) -> list[tuple[Partner, str]]:
    """Registered partners whose version details list a Receiver interface for `module`,
    with its URL: where our pushes go."""
    found = []
    for partner in Partner.objects.filter(status=Partner.Status.REGISTERED).prefetch_related("roles"):
        url = partner.endpoint_url(module, "RECEIVER")
        if url:
            found.append((partner, url.rstrip("/")))
    return found


def partners_registered() -> bool:
    """Whether any partner network is registered (and so may receive our pushes)."""
    return Partner.objects.filter(status=Partner.Status.REGISTERED).exists()
