"""/api/v1/: each app contributes its resources; this file only mounts them."""

urlpatterns: list = []
