"""Every path under /api/v1/ that no endpoint takes answers 404 in the API's error shape."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-thing/",
        "/api/v1/stations/not-a-number/commands/",
        # A newline in the path (schemathesis sent one): the catch-all must still take it.
        "/api/v1/stations/%08x%11%C2%9E%03i%0Au/commands/",
    ],
)
def test_unknown_api_paths_answer_json_404(path):
    response = Client().post(path, data=b"\x14", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["type"] == "not_found"
