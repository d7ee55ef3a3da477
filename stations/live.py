"""Live updates for browsers (portal, staff dashboard) over the channel layer.

Services call `publish()`; it sends after the transaction commits so a browser never
sees state the database may still roll back. `LiveConsumer` (stations/consumers.py)
decides who may listen to which group."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from stations import live_sender

NETWORK_GROUP = "live.network"


def station_group(station_id: int) -> str:
    return f"live.station.{station_id}"


def session_group(session_id: int) -> str:
    return f"live.session.{session_id}"


# A browser without an account (the pay-as-you-go page) may follow the sessions it paid
# for: that page's door lists them in the browser's Django session under this key, and the
# live consumer reads them from the same cookie-bound session.
VISITOR_SESSIONS_KEY = "live_visitor_sessions"
VISITOR_SESSIONS_KEPT = 20


def visitor_session_grant(*, store, session_id: int) -> None:
    """Let the browser holding `store` (request.session) follow `session_id` live."""
    granted = list(store.get(VISITOR_SESSIONS_KEY, []))
    if session_id not in granted:
        store[VISITOR_SESSIONS_KEY] = [*granted, session_id][-VISITOR_SESSIONS_KEPT:]


def visitor_may_follow(*, store, session_id: int) -> bool:
    return store is not None and session_id in store.get(VISITOR_SESSIONS_KEY, [])


def publish(*, groups: list[str], event: dict) -> None:
    """Send `event` (JSON-serialisable, with a "kind" key) to every group, on commit.

    In a worker thread of a running event loop (a consumer's sync_to_async) the update is
    handed to that loop's live sender and the caller goes on at once; elsewhere (Celery,
    management commands, sync tests) it is sent before on-commit returns. A failing layer is
    logged, never raised."""

    def _send() -> None:
        channel_layer = get_channel_layer()
        if channel_layer is None:
            return
        loop = live_sender.running_main_loop()
        if loop is not None and live_sender.hand_over(loop=loop, layer=channel_layer, groups=groups, event=event):
            return
        async_to_sync(live_sender.group_send_all)(layer=channel_layer, groups=groups, event=event)

    transaction.on_commit(_send)
