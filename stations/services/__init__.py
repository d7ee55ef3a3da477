"""Writes for the stations app, one module per domain: `registry` (organisations, sites,
stations, connectors); sessions, status, health and maintenance add their own modules.
Import the module you need, e.g. `from stations.services import registry`."""
