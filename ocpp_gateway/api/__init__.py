"""/api/v1 resources owned by the gateway: stations/{id}/commands/ and commands/{id}/."""
