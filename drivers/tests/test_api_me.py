"""`me/`, `me/tokens/`, `me/vehicles/`: a driver's own account, nobody else's."""

import pytest

from drivers.models import Token, Vehicle
from drivers.tests.factories import TokenFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_driver_reads_and_updates_own_profile(driver_client, driver):
    response = driver_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == driver.user.email

    response = driver_client.patch("/api/v1/me/", {"first_name": "Ada", "city": "Berlin"}, format="json")

    assert response.status_code == 200, response.json()
    driver.refresh_from_db()
    assert (driver.user.first_name, driver.city) == ("Ada", "Berlin")


def test_me_is_for_drivers_only(staff_client, client):
    assert staff_client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/v1/me/").status_code == 401


def test_driver_lists_only_own_tokens_and_gets_404_for_anothers(driver_client, driver, other_driver):
    own = TokenFactory(driver=driver)
    foreign = TokenFactory(driver=other_driver)

    listed = [token["id"] for token in driver_client.get("/api/v1/me/tokens/").json()["results"]]

    assert listed == [own.pk]
    assert driver_client.get(f"/api/v1/me/tokens/{foreign.pk}/").status_code == 404
    assert driver_client.post(f"/api/v1/me/tokens/{foreign.pk}/block/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Token.Status.VALID


def test_driver_issues_an_app_token_and_blocks_it_idempotently(driver_client, driver):
    created = driver_client.post("/api/v1/me/tokens/", {"label": "Phone"}, format="json")
    assert created.status_code == 201
    token_id = created.json()["id"]
    assert created.json()["kind"] == Token.Kind.APP

    first = driver_client.post(f"/api/v1/me/tokens/{token_id}/block/")
    second = driver_client.post(f"/api/v1/me/tokens/{token_id}/block/")

    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == Token.Status.BLOCKED
    assert second.json()["blocked_at"] == first.json()["blocked_at"]


def test_driver_renames_a_token(driver_client, driver):
    token = TokenFactory(driver=driver)

    response = driver_client.patch(f"/api/v1/me/tokens/{token.pk}/", {"label": "Blue card"}, format="json")

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.label == "Blue card"


def test_driver_manages_own_vehicles(driver_client, driver, other_driver):
    created = driver_client.post(
        "/api/v1/me/vehicles/", {"make": "Kia", "model": "EV6", "battery_kwh": "77.4"}, format="json"
    )
    assert created.status_code == 201, created.json()
    vehicle_id = created.json()["id"]
    foreign = VehicleFactory(driver=other_driver)

    assert (
        driver_client.patch(f"/api/v1/me/vehicles/{vehicle_id}/", {"license_plate": "B-EV 1"}, format="json").json()[
            "license_plate"
        ]
        == "B-EV 1"
    )
    assert driver_client.get(f"/api/v1/me/vehicles/{foreign.pk}/").status_code == 404
    assert driver_client.delete(f"/api/v1/me/vehicles/{foreign.pk}/").status_code == 404
    assert driver_client.delete(f"/api/v1/me/vehicles/{vehicle_id}/").status_code == 204
    assert list(Vehicle.objects.values_list("pk", flat=True)) == [foreign.pk]


def test_invalid_vehicle_is_rejected_with_field_errors(driver_client):
    response = driver_client.post("/api/v1/me/vehicles/", {"make": "Kia", "battery_kwh": "9999"}, format="json")

    assert response.status_code == 400
    assert {"model", "battery_kwh"} <= set(response.json()["errors"])
