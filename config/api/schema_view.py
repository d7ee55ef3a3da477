"""/api/schema/: generated once per process, under a lock.

drf-spectacular's generator mutates class-level state while it runs, so two first requests
arriving together can crash one of them (upstream issues #1122, #1123, #1368). The schema
only changes with a deploy, so the first complete result is kept for the process's life
(per API version and language)."""

import threading

from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_generation_lock = threading.Lock()
_schemas: dict[tuple, dict] = {}


class CachedSpectacularAPIView(SpectacularAPIView):
    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, request.GET.get("lang"))
        with _generation_lock:
            if key not in _schemas:
                generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
                _schemas[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=_schemas[key],
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )
