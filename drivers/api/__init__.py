"""/api/v1 resources owned by the drivers app: me/, me/tokens/, me/vehicles/,
reservations/, support-tickets/."""
