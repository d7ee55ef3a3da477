from django.urls import path

from drivers.consumers import SupportChatConsumer

# config/asgi.py wraps these with the origin check and session auth.
websocket_urlpatterns = [
    path("ws/support/inbox/", SupportChatConsumer.as_asgi()),
    path("ws/support/<int:ticket_id>/", SupportChatConsumer.as_asgi()),
]
