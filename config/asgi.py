"""One ASGI application: HTTP goes to Django, WebSockets to Channels consumers.

`/ocpp/<identity>` is for chargers (they send no Origin header and authenticate with
HTTP Basic, so no origin or session check applies there); `/ws/live/` carries live
updates to the portal and the staff dashboard and is bound to the browser session.
Any other WebSocket path gets a plain 404 before the upgrade.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from config.gc_tuning import tune_for_server  # noqa: E402
from drivers.routing import websocket_urlpatterns as support_patterns  # noqa: E402
from ocpp_gateway.handshake import websocket_not_found  # noqa: E402
from ocpp_gateway.routing import websocket_urlpatterns as ocpp_patterns  # noqa: E402
from stations.routing import websocket_urlpatterns as live_patterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(
            [
                *ocpp_patterns,
                # Browser sockets: same-origin only, with the Django session's user.
                *[
                    path(p.pattern._route, AllowedHostsOriginValidator(AuthMiddlewareStack(p.callback)))
                    for p in [*live_patterns, *support_patterns]
                ],
                re_path(r"", websocket_not_found),
            ]
        ),
    }
)

tune_for_server()
