from django.urls import path

from stations.consumers import LiveConsumer

# config/asgi.py wraps these with the origin check and session auth.
websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
