from django.urls import re_path

from ocpp_gateway.consumers import OcppConsumer

websocket_urlpatterns = [
    re_path(r"^ocpp/(?P<identity>[^/]{1,48})/?$", OcppConsumer.as_asgi()),
]
