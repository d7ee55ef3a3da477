import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_api_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()
