"""Fault-injection scenarios (docs/reliability.md). They run in a subprocess of their own
(`python -m config.tests.faults <scenario> ...`) whose Django settings point at a private
PostgreSQL and Redis, so that stopping those never disturbs the test database of the
suite; config/tests/test_fault_injection.py starts them and checks their figures."""
