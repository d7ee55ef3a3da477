from django.urls import re_path

from ocpp_gateway.connecting import connecting_gate
from ocpp_gateway.consumers import OcppConsumer

websocket_urlpatterns = [
    # Any character but `/` and control characters (PostgreSQL text cannot hold NUL).
    re_path(r"^ocpp/(?P<identity>[^/\x00-\x1f\x7f]{1,48})/?$", connecting_gate(OcppConsumer.as_asgi())),
]
