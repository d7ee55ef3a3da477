"""Who is asking: anonymous, driver, owner or staff. Object scoping (a driver asking for
another driver's session gets 404) is done by each view's queryset; these classes only
decide whether the role may use the endpoint at all.

The toolkit imports no app: the app that owns a role's noun registers how to look it up
at start-up (drivers: "driver", the login's driver profile; stations: "owner", the owning
organisations the login is a member of). See docs/architecture.md, "Registries"."""

from collections.abc import Callable
from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

_role_lookups: dict[str, Callable[[Any], Any]] = {}


def role_register(role: str, lookup: Callable[[Any], Any]) -> None:
    """`lookup(user)` answers for a signed-in user: the driver (or None), the owner
    organisation ids (or [])."""
    _role_lookups[role] = lookup


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def driver_of(user):
    """The signed-in user's driver profile, or None."""
    if not (user and user.is_authenticated):
        return None
    return _role_lookups["driver"](user)


def owner_organisation_ids(user) -> list[int]:
    """Organisations with the owner role this login acts for (looked up once per request)."""
    if not (user and user.is_authenticated):
        return []
    if not hasattr(user, "_api_owner_ids"):
        user._api_owner_ids = _role_lookups["owner"](user)
    return user._api_owner_ids


class IsStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_staff(request.user)


class IsDriver(BasePermission):
    """A login with a driver profile (staff pass too, for support)."""

    message = "This endpoint is for driver accounts."

    def has_permission(self, request, view) -> bool:
        return is_staff(request.user) or driver_of(request.user) is not None


class IsStaffOrOwnerReadOnly(BasePermission):
    """Staff do everything; owners may read (their objects, scoped by the queryset)."""

    def has_permission(self, request, view) -> bool:
        if is_staff(request.user):
            return True
        return request.method in SAFE_METHODS and bool(owner_organisation_ids(request.user))


class IsStaffOrOwnerOrDriverReadOnly(BasePermission):
    """Reads for any signed-in role (scoped by the queryset); writes only for staff."""

    def has_permission(self, request, view) -> bool:
        if is_staff(request.user):
            return True
        if request.method not in SAFE_METHODS:
            return False
        return driver_of(request.user) is not None or bool(owner_organisation_ids(request.user))
