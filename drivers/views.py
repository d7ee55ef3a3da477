from django.shortcuts import render

from drivers import selectors


def home(request):
    return render(request, "portal/home.html", {"site_count": selectors.public_site_count()})
