from django.urls import path
from rest_framework.routers import SimpleRouter

from drivers.api import me

router = SimpleRouter()
router.register("me/tokens", me.MyTokenViewSet, basename="api-my-token")
router.register("me/vehicles", me.MyVehicleViewSet, basename="api-my-vehicle")

urlpatterns = [
    path("me/", me.MeView.as_view(), name="api-me"),
    *router.urls,
]
