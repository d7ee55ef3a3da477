"""What every portal page shares: the driver-only decorator."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from drivers.models import Driver


def driver_required(view):
    """Logged in with a driver profile; the view gets it as `request.driver`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        driver = Driver.objects.select_related("user").filter(user=request.user).first()
        if driver is None:
            raise PermissionDenied(_("This page is for driver accounts."))
        request.driver = driver
        return view(request, *args, **kwargs)

    return wrapper
