"""`/ws/support/<ticket id>/` and `/ws/support/inbox/`: the live support chat.

A ticket's socket is open to its driver and to staff: {"message": text} posts through
the one reply service (which pushes the saved message to both sides after commit),
{"typing": true} tells the other side, nothing stored. The inbox socket is staff only:
it hears every new ticket and message, and its pings mark an agent online."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError

from drivers import support_chat
from drivers.models import SupportTicket
from drivers.services import support


class SupportChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.ticket_id = self.scope["url_route"]["kwargs"].get("ticket_id")
        allowed = await self._allowed()
        if not allowed:
            await self.close(code=4403)
            return
        self.group = support_chat.INBOX_GROUP if self.ticket_id is None else support_chat.ticket_group(self.ticket_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if self.user.is_staff:
            await database_sync_to_async(support_chat.agent_seen)()
        await self.send_json({"subscribed": self.group, "agents_online": await self._agents_online()})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        if content.get("ping") and self.user.is_staff:
            await database_sync_to_async(support_chat.agent_seen)()
        elif self.ticket_id is None:
            return
        elif content.get("typing"):
            event = {"kind": "typing", "ticket_id": self.ticket_id, "from_staff": self.user.is_staff}
            await self.channel_layer.group_send(self.group, {"type": "live.event", "event": event})
        elif isinstance(content.get("message"), str):
            error = await self._post(content["message"])
            if error:
                await self.send_json({"error": error})

    async def live_event(self, message: dict) -> None:
        await self.send_json(message["event"])

    @database_sync_to_async
    def _allowed(self) -> bool:
        if self.user is None or not self.user.is_authenticated:
            return False
        if self.ticket_id is None or self.user.is_staff:
            return self.user.is_staff
        return SupportTicket.objects.filter(pk=self.ticket_id, driver__user=self.user).exists()

    @database_sync_to_async
    def _agents_online(self) -> bool:
        return support_chat.agents_online()

    @database_sync_to_async
    def _post(self, body: str) -> str | None:
        ticket = SupportTicket.objects.get(pk=self.ticket_id)
        try:
            support.ticket_message_post(ticket=ticket, author=self.user, body=body[:5000])
        except ValidationError as error:
            return " ".join(error.messages)
        return None
