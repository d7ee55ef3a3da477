"""Readings taken from outside the server while it runs: rows written to the bench
database, the Celery queue's length, and facts to check afterwards (duplicate sessions).
Straight SQL on purpose: the harness must not load Django into the measuring process."""

import sqlite3
import subprocess
from pathlib import Path

from bench import modes

SESSION_TABLE = "stations_chargingsession"


def _pg(sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(modes.PG_URL, autocommit=True) as connection:
        return connection.execute(sql).fetchall()


def _sqlite(sql: str) -> list[tuple]:
    path = Path(modes.EMBEDDED_VAR_DIR) / "db.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20) as connection:
        return connection.execute(sql).fetchall()


def query(mode: modes.Mode, sql: str) -> list[tuple]:
    return _pg(sql) if mode.name == "production" else _sqlite(sql)


def rows_written(mode: modes.Mode) -> int:
    """Rows inserted plus rows updated so far, over all tables of the bench database."""
    if mode.name == "production":
        _pg("SELECT pg_stat_force_next_flush()")
        return int(_pg("SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_user_tables")[0][0])
    # SQLite keeps no such counters; total_changes is per connection, so count rows instead.
    tables = [name for (name,) in _sqlite("SELECT name FROM sqlite_master WHERE type='table'")]
    return sum(_sqlite(f'SELECT count(*) FROM "{table}"')[0][0] for table in tables)  # noqa: S608 - catalogue names


def celery_queue_length(mode: modes.Mode) -> int | None:
    if mode.name != "production":
        broker = Path(modes.EMBEDDED_VAR_DIR) / "celery-broker" / "queue"
        return len(list(broker.iterdir())) if broker.is_dir() else 0
    completed = subprocess.run(
        ["redis-cli", "-u", modes.REDIS_URL, "LLEN", mode.env["CELERY_QUEUE"]], capture_output=True, text=True
    )
    return int(completed.stdout.strip() or 0) if completed.returncode == 0 else None


def duplicate_sessions(mode: modes.Mode) -> dict:
    """Sessions that should not exist: two open on one connector, or two rows for the
    same StartTransaction facts (the unique constraint should make that impossible)."""
    open_twice = query(
        mode,
        f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {SESSION_TABLE} "  # noqa: S608
        "WHERE status = 'active' GROUP BY station_id, connector_number HAVING count(*) > 1) AS d",
    )[0][0]
    same_start = query(
        mode,
        f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {SESSION_TABLE} "  # noqa: S608
        "GROUP BY station_id, connector_number, id_tag, meter_start_wh, started_at HAVING count(*) > 1) AS d",
    )[0][0]
    total = query(mode, f"SELECT count(*) FROM {SESSION_TABLE}")[0][0]  # noqa: S608
    return {"open_twice_on_a_connector": int(open_twice), "same_start_twice": int(same_start), "sessions": int(total)}
