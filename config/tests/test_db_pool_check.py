"""The pool's check of a connection it hands out: no round trip for a healthy idle
connection, and a connection PostgreSQL terminated while it sat in the pool is noticed
and replaced before anyone uses it."""

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from config.db.postgresql.base import FailFastPool, connection_check

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def pool():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    params = connection.get_connection_params()
    conninfo = psycopg.conninfo.make_conninfo(
        **{key: value for key, value in params.items() if key in ("dbname", "user", "password", "host", "port")}
    )
    pool = FailFastPool(
        conninfo, open=True, min_size=1, max_size=1, check=connection_check, kwargs={"autocommit": True}
    )
    pool.wait(timeout=10)
    yield pool
    pool.close()


@pytest.fixture
def round_trips(monkeypatch):
    calls = []
    original = ConnectionPool.check_connection

    def counted(conn):
        calls.append(conn)
        return original(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return calls


def _backend_pid(pool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


def test_a_healthy_idle_connection_is_handed_out_without_a_round_trip(pool, round_trips):
    first = _backend_pid(pool)
    second = _backend_pid(pool)
    assert first == second
    assert round_trips == []


def test_a_connection_terminated_in_the_pool_is_replaced_before_use(pool, round_trips):
    terminated = _backend_pid(pool)
    with connection.cursor() as cursor:
        # Waits (up to 5 s) until the backend is gone, so its goodbye is on the socket.
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [terminated])
    with pool.connection(timeout=10) as conn:
        # The check saw the server's goodbye on the socket, tried it, and the pool replaced it.
        assert conn.execute("SELECT pg_backend_pid()").fetchone()[0] != terminated
    assert len(round_trips) == 1
