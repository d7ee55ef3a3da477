from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from config.api.schema_view import CachedSpectacularAPIView
from config.health import healthz, readyz
from config.metrics import metrics_view

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static_url("portal/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("api/schema/", CachedSpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("billing/", include("billing.urls")),
    path("ocpi/", include("roaming.urls")),
    path("ops/", include("stations.operations.urls")),
    path("owner/", include("billing.owner_urls")),
    path("pay/", include("billing.pay_urls")),
    path("partner-sites/", include("roaming.portal_urls")),
    path("account/", include("billing.portal_urls")),
    path("", include("drivers.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
