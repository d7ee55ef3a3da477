from django.urls import path

from stations.consumers import LiveConsumer

# Mounted under /ws/ by config/asgi.py.
websocket_urlpatterns = [
    path("live/", LiveConsumer.as_asgi()),
]
