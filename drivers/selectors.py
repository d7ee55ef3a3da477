from stations.models import Site


def public_site_count() -> int:
    return Site.objects.filter(stations__isnull=False).distinct().count()
