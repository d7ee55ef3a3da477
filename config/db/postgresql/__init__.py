"""Django's PostgreSQL backend with a pool that fails fast while the database is
unreachable and finds it again within a second (base.py)."""
