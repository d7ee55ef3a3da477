"""`/ws/live/`: browsers subscribe to the groups they may see and get events pushed.

A client sends {"subscribe": "station", "id": 7}; stations are public (availability),
a session only to its driver, staff and the browser that paid for it
(pay-as-you-go), the whole network only to staff."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from stations import live
from stations.selectors import registry as selectors


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.groups_joined: set[str] = set()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or "subscribe" not in content:
            await self.send_json({"error": 'expected {"subscribe": kind, "id": n}'})
            return
        group = await self._group_for(content.get("subscribe"), content.get("id"))
        if group is None:
            await self.send_json({"error": "not found", "subscribe": content.get("subscribe"), "id": content.get("id")})
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)
        await self.send_json({"subscribed": group})

    async def live_event(self, message: dict) -> None:
        await self.send_json(message["event"])

    @database_sync_to_async
    def _group_for(self, kind, object_id) -> str | None:
        user = self.scope.get("user")
        if kind == "network":
            return live.NETWORK_GROUP if user is not None and user.is_staff else None
        if not isinstance(object_id, int):
            return None
        if kind == "station":
            return live.station_group(object_id) if selectors.station_is_public(station_id=object_id) else None
        if kind == "session":
            visible = selectors.session_visible_to(user=user, session_id=object_id) or live.visitor_may_follow(
                store=self.scope.get("session"), session_id=object_id
            )
            return live.session_group(object_id) if visible else None
        return None
