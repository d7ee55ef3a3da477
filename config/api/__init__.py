"""Shared machinery for /api/v1: one error shape, roles, idempotency, pagination and the
schema generator. Each app's `api/` package holds its own serializers, views and urls."""
