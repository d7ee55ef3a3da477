"""Live support chat over the channel layer: the groups a ticket's messages go to, the
shape of each pushed event, and whether any agent is online (the staff inbox page pings
while open; without an agent the driver is told the answer comes by e-mail)."""

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from drivers.models import TicketMessage

INBOX_GROUP = "support.inbox"
AGENT_SEEN_KEY = "support:agent-seen-at"
# The inbox pings every 20 s; an agent counts as online for a little longer than that.
AGENT_ONLINE_SECONDS = 60


def ticket_group(ticket_id: int) -> str:
    return f"support.ticket.{ticket_id}"


def message_event(message: TicketMessage) -> dict:
    return {
        "kind": "ticket_message",
        "ticket_id": message.ticket_id,
        "message_id": message.pk,
        "from_staff": message.from_staff,
        "author": _("VoltWay support")
        if message.from_staff
        else (message.ticket.driver.user.first_name or _("Driver")),
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def agent_seen() -> None:
    cache.set(AGENT_SEEN_KEY, time.time(), AGENT_ONLINE_SECONDS)


def agents_online() -> bool:
    seen = cache.get(AGENT_SEEN_KEY)
    return seen is not None and time.time() - seen < AGENT_ONLINE_SECONDS
