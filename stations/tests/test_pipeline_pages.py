"""The pipeline pages for staff: the map's points, adding a candidate, completing a
stage, refusals shown as messages; nobody else gets in."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from stations.models import CandidateSite
from stations.pipeline.models.candidates import Stage
from stations.tests.factories import OrganisationFactory
from stations.tests.test_pipeline import candidate_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(get_user_model().objects.create_user("ops", "ops@example.com", "x", is_staff=True))
    return client


def test_staff_add_a_candidate_and_see_it_on_the_map(staff_client):
    operator = OrganisationFactory()
    response = staff_client.post(
        "/ops/pipeline/",
        {
            "name": "Bahnhof Süd",
            "operator": operator.pk,
            "address": "Bahnhofstraße 2",
            "city": "Potsdam",
            "postal_code": "14482",
            "country": "DE",
            "latitude": "52.391000",
            "longitude": "13.066000",
            "time_zone": "Europe/Berlin",
            "currency": "EUR",
            "planned_connectors": 4,
            "planned_power_kw": "150",
            "daily_traffic": 20000,
        },
    )
    candidate = CandidateSite.objects.get(name="Bahnhof Süd")
    assert response.status_code == 302 and response.url == f"/ops/pipeline/{candidate.pk}/"
    page = staff_client.get("/ops/pipeline/").content.decode()
    points = json.loads(page.split('id="pipeline-points" type="application/json">')[1].split("</script>")[0])
    assert points == [
        {
            "id": candidate.pk,
            "name": "Bahnhof Süd",
            "lat": 52.391,
            "lon": 13.066,
            "stage": "survey",
            "stage_label": "Survey",
            "due_on": None,
            "overdue": False,
        }
    ]
    detail = staff_client.get(f"/ops/pipeline/{candidate.pk}/").content.decode()
    assert "20.00 sessions per day expected" in detail


def test_a_bad_candidate_form_is_a_400_with_the_errors(staff_client):
    response = staff_client.post("/ops/pipeline/", {"name": "Nowhere", "latitude": "200"})
    assert response.status_code == 400
    assert not CandidateSite.objects.exists()


def test_completing_stages_through_the_page_and_a_refusal_as_a_message(staff_client):
    candidate = candidate_create(latitude=Decimal("52.4"))
    url = f"/ops/pipeline/{candidate.pk}/stages/permit/complete"
    page = staff_client.post(url, follow=True).content.decode()
    assert "Complete Survey first." in page
    staff_client.post(f"/ops/pipeline/{candidate.pk}/stages/survey/complete")
    candidate.refresh_from_db()
    assert candidate.stage == Stage.LANDLORD


def test_pipeline_pages_are_staff_only(client):
    candidate = candidate_create()
    client.force_login(get_user_model().objects.create_user("driver", "d@example.com", "x"))
    assert client.get("/ops/pipeline/").status_code == 302
    assert client.post(f"/ops/pipeline/{candidate.pk}/stages/survey/complete").status_code == 302
    candidate.refresh_from_db()
    assert candidate.stage == Stage.SURVEY
