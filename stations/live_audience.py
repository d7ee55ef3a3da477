"""Which live groups have a listener, asked of the channel layer once for a whole batch of
updates, so that the live sender sends only to those.

Why: every MeterValues, connection and status change publishes to its session's or
station's group and to the network group, and a group_send costs two Redis round trips
even when nobody listens (channels_redis reads the members first). Most groups have no
listener most of the time (a browser follows a session only while its driver watches
it), and in a reconnect storm the sender fell thousands of updates behind. One pipelined
ZCARD per batch replaces those round trips. A browser that subscribes between the check
and the send misses that one update, exactly as if it had subscribed a moment later; its
page loaded the committed state when it opened."""

from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer


async def groups_listened(layer, groups: set[str]) -> set[str]:
    """The subset of `groups` with at least one member (possibly an expired one: a stale
    member only costs the send it would have cost anyway)."""
    if isinstance(layer, RedisChannelLayer):
        return await _listened_in_redis(layer, groups)
    if isinstance(layer, InMemoryChannelLayer):
        return {group for group in groups if layer.groups.get(group)}
    return set(groups)  # a layer we cannot ask: send to every group, as before


async def _listened_in_redis(layer: RedisChannelLayer, groups: set[str]) -> set[str]:
    # channels_redis (pinned in requirements.txt) keeps a group's members in a sorted set
    # on the host its name hashes to; test_live_audience.py fails if that changes.
    by_host: dict[int, list[str]] = {}
    for group in groups:
        by_host.setdefault(layer.consistent_hash(group), []).append(group)
    listened = set()
    for index, names in by_host.items():
        async with layer.connection(index).pipeline(transaction=False) as pipe:
            for name in names:
                pipe.zcard(layer._group_key(name))
            counts = await pipe.execute()
        listened.update(name for name, count in zip(names, counts, strict=True) if count)
    return listened
