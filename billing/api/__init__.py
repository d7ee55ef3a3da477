"""/api/v1 resources owned by billing: cdrs/, invoices/, tariffs/, plans/, memberships/,
payments/, settlements/."""
