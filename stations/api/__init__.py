"""/api/v1 resources owned by the stations app: locations, stations, sessions, incidents,
work orders."""
