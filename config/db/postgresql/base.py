"""Django's PostgreSQL backend, with psycopg's pool told about an unreachable database.

psycopg_pool keeps a client waiting for its whole timeout (DB_POOL_TIMEOUT, 10 s) while
its workers fail to connect, and spaces their reconnection attempts by an exponential
backoff. With PostgreSQL down, an OCPP CALL therefore got its InternalError after two
such waits (20 s, past the charger's own timeout), and once PostgreSQL was back, requests
kept failing for ~35 s until the backoff let a worker try again. Here a client waits at
most UNREACHABLE_WAIT_SECONDS once a connection attempt has failed, and attempts are at
most RECONNECT_INTERVAL_SECONDS apart. The pool's full timeout still applies while the
database answers but every connection is busy."""

import select
import time

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool, PoolTimeout

UNREACHABLE_WAIT_SECONDS = 1.0
RECONNECT_INTERVAL_SECONDS = 0.5


class FailFastPool(ConnectionPool):
    unreachable_since: float | None = None

    def getconn(self, timeout: float | None = None):
        timeout = self.timeout if timeout is None else timeout
        first = min(timeout, UNREACHABLE_WAIT_SECONDS)
        try:
            return super().getconn(first)
        except PoolTimeout:
            # Unreachable (a connection attempt failed meanwhile): fail now. Merely busy: wait on.
            if self.unreachable_since is not None or first >= timeout:
                raise
        return super().getconn(timeout - first)

    def _connect(self, timeout: float | None = None):
        # psycopg_pool's one place where connections are made (pinned in requirements.txt).
        try:
            connection = super()._connect(timeout)
        except Exception:
            if self.unreachable_since is None:
                self.unreachable_since = time.monotonic()
            raise
        self.unreachable_since = None
        return connection

    def schedule_task(self, task, delay: float) -> None:
        super().schedule_task(task, min(delay, RECONNECT_INTERVAL_SECONDS))


def connection_check(connection) -> None:
    """The pool's check of a connection it hands out: a round trip only when the socket has
    something to read. An idle connection in good health has nothing to read; one that
    PostgreSQL (or a pooler in front of it) closed or terminated has its end-of-file or
    its FATAL message waiting, so a restarted database is still noticed here, without a
    `SELECT`-like round trip per OCPP frame (~2 % of a MeterValues' CPU, issue 24). A host
    that vanished without closing anything is not caught by either check: the query that
    uses the connection fails, and the consumer answers InternalError."""
    if connection.closed:
        ConnectionPool.check_connection(connection)  # raises: the pool replaces it
        return
    poller = select.poll()  # not select(): a web process holds far more than 1,024 descriptors
    poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        ConnectionPool.check_connection(connection)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        """Django 5.2's `pool` property, building a FailFastPool; connections are checked
        when handed out, so that those a restarted PostgreSQL closed are replaced, not used."""
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == base.NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True
            pool = FailFastPool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=connection_check,
                **({} if pool_options is True else pool_options),
            )
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
