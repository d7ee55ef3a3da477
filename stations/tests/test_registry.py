"""The station registry: what a valid station, site, connector and agreement is."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from stations.models import ChargingStation, Connector
from stations.selectors import registry as selectors
from stations.services import registry as services
from stations.tests.factories import ChargingStationFactory, OrganisationFactory, SiteFactory

pytestmark = pytest.mark.django_db


def connector_spec(**overrides):
    return {
        "connector_id": 1,
        "standard": Connector.Standard.CCS2,
        "power_type": Connector.PowerType.DC,
        "max_power_kw": "150",
    } | overrides


def test_station_is_created_with_connectors_and_hashed_password():
    site = SiteFactory()
    station = services.station_create(
        identity="CP-BERLIN-001",
        password="a-long-charger-password",
        site=site,
        owner=site.operator,
        connectors=[connector_spec()],
    )
    assert station.connectors.get().max_power_kw == Decimal("150")
    assert "a-long-charger-password" not in station.password_hash
    assert selectors.station_password_matches(station=station, password="a-long-charger-password")
    assert not selectors.station_password_matches(station=station, password="a-long-charger-passworD")


@pytest.mark.parametrize("identity", ["", "has space", "slash/inside", "x" * 49, "naïve"])
def test_station_identity_must_be_url_safe_and_short(identity):
    with pytest.raises(ValidationError) as error:
        services.station_create(identity=identity, site=SiteFactory())
    assert "identity" in error.value.message_dict


def test_station_identity_is_unique():
    ChargingStationFactory(identity="CP-1")
    with pytest.raises(ValidationError) as error:
        services.station_create(identity="CP-1", site=SiteFactory())
    assert "identity" in error.value.message_dict


@pytest.mark.parametrize("password", ["short", "x" * 41])
def test_charger_password_length_follows_ocpp_security_whitepaper(password):
    with pytest.raises(ValidationError) as error:
        services.station_create(identity="CP-2", site=SiteFactory(), password=password)
    assert "password" in error.value.message_dict
    assert not ChargingStation.objects.filter(identity="CP-2").exists()


@pytest.mark.parametrize("kw", ["3.6", "600.01", "0"])
def test_connector_power_outside_3_7_to_600_kw_is_refused(kw):
    station = ChargingStationFactory()
    with pytest.raises(ValidationError) as error:
        services.connector_add(station=station, **connector_spec(max_power_kw=kw))
    assert "max_power_kw" in error.value.message_dict


def test_connector_level_is_derived_from_power_type():
    station = services.station_create(
        identity="CP-3",
        site=SiteFactory(),
        connectors=[
            connector_spec(
                connector_id=1,
                standard=Connector.Standard.TYPE_2,
                power_type=Connector.PowerType.AC_3_PHASE,
                max_power_kw="22",
            ),
            connector_spec(connector_id=2),
        ],
    )
    assert [connector.level for connector in station.connectors.all()] == ["Level 2 (AC)", "Level 3 (DC)"]


def test_connector_ids_are_unique_per_station():
    station = services.station_create(identity="CP-4", site=SiteFactory(), connectors=[connector_spec()])
    with pytest.raises(ValidationError):
        services.connector_add(station=station, **connector_spec())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", Decimal("90.5")),
        ("latitude", Decimal("-91")),
        ("longitude", Decimal("180.1")),
        ("time_zone", "Mars/Olympus"),
        ("time_zone", "../../etc/passwd"),
        ("time_zone", "X" * 300),
        ("time_zone", "Europe/Berlin\x00"),
    ],
)
def test_site_coordinates_and_time_zone_are_validated(field, value):
    fields = {"latitude": Decimal("52.5"), "longitude": Decimal("13.4"), "time_zone": "Europe/Berlin"} | {field: value}
    with pytest.raises(ValidationError) as error:
        services.site_create(
            name="Bad", operator=OrganisationFactory(), address="a", city="c", postal_code="1", country="DE", **fields
        )
    assert field in error.value.message_dict


def test_agreement_needs_owner_and_operator_roles():
    owner = OrganisationFactory(is_owner=False, is_operator=False)
    operator = OrganisationFactory(is_owner=False, is_operator=False)
    with pytest.raises(ValidationError) as error:
        services.agreement_create(owner=owner, operator=operator, valid_from=date(2026, 1, 1))
    assert set(error.value.message_dict) == {"owner", "operator"}


def test_agreement_cannot_end_before_it_starts():
    company = OrganisationFactory()
    with pytest.raises(ValidationError):
        services.agreement_create(
            owner=company, operator=company, valid_from=date(2026, 2, 1), valid_until=date(2026, 1, 1)
        )


def test_one_company_can_own_operate_and_be_emsp_and_station_operator_comes_from_the_agreement():
    owner = OrganisationFactory(is_owner=True, is_operator=False, is_emsp=False)
    operator = OrganisationFactory(is_owner=True, is_operator=True, is_emsp=True)
    agreement = services.agreement_create(
        owner=owner, operator=operator, valid_from=date(2026, 1, 1), revenue_share_percent=Decimal("30")
    )
    station = services.station_create(
        identity="CP-5", site=SiteFactory(operator=operator), owner=owner, agreement=agreement
    )
    assert station.operator == operator
    assert operator.roles == ["owner", "operator", "EMSP"]


def test_station_agreement_must_belong_to_its_owner():
    company = OrganisationFactory()
    other_owner = OrganisationFactory()
    agreement = services.agreement_create(owner=company, operator=company, valid_from=date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.station_create(identity="CP-6", site=SiteFactory(), owner=other_owner, agreement=agreement)
    assert "agreement" in error.value.message_dict
