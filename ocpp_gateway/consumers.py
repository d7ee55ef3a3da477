"""Placeholder until the gateway lands: refuses every charger politely."""

from channels.generic.websocket import AsyncWebsocketConsumer


class OcppConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.close()
