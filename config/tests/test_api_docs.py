import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_api_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()


def test_concurrent_first_schema_requests_all_succeed_with_the_same_schema(client):
    from concurrent.futures import ThreadPoolExecutor

    from django.test import Client

    from config.api import schema_view

    schema_view._schemas.clear()

    def fetch(_):
        response = Client().get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
        return response.status_code, response.content

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(fetch, range(12)))
    assert {status for status, _ in results} == {200}
    assert len({body for _, body in results}) == 1
