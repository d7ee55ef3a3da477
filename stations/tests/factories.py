"""factory_boy factories for the station registry. Stations get a known password."""

from datetime import date
from decimal import Decimal

import factory

from stations import authorization, passwords
from stations.models import ChargingSession, ChargingStation, Connector, OperatingAgreement, Organisation, Site

STATION_PASSWORD = "test-charger-password-1234"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Organisation {n}")
    country = "DE"
    is_owner = True
    is_operator = True
    is_emsp = True
    currency = "EUR"
    time_zone = "Europe/Berlin"


class OperatingAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperatingAgreement

    owner = factory.SubFactory(OrganisationFactory)
    operator = factory.SelfAttribute("owner")
    valid_from = date(2025, 1, 1)
    revenue_share_percent = Decimal("25.00")
    fixed_monthly_fee = Decimal("0")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    operator = factory.SubFactory(OrganisationFactory)
    address = "Hauptstraße 1"
    city = "Berlin"
    postal_code = "10115"
    country = "DE"
    latitude = Decimal("52.520008")
    longitude = Decimal("13.404954")
    time_zone = "Europe/Berlin"


class ChargingStationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargingStation

    identity = factory.Sequence(lambda n: f"CP-TEST-{n:04d}")
    site = factory.SubFactory(SiteFactory)
    owner = factory.SelfAttribute("site.operator")
    agreement = factory.SubFactory(OperatingAgreementFactory, owner=factory.SelfAttribute("..owner"))
    vendor = "TestVendor"
    model = "TestModel"
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")
    password_hash = factory.LazyFunction(lambda: passwords.hash_password(STATION_PASSWORD))


class ConnectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connector
        django_get_or_create = ["station", "connector_id"]

    station = factory.SubFactory(ChargingStationFactory)
    connector_id = 1
    standard = Connector.Standard.TYPE_2
    power_type = Connector.PowerType.AC_3_PHASE
    max_power_kw = Decimal("22")


class ChargingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargingSession
        skip_postgeneration_save = True

    station = factory.SubFactory(ChargingStationFactory)
    connector = factory.SubFactory(ConnectorFactory, station=factory.SelfAttribute("..station"))
    connector_number = factory.SelfAttribute("connector.connector_id")
    id_tag = "TESTTAG"
    started_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)
    meter_start_wh = 1000

    @factory.post_generation
    def token(self, create, extracted, **kwargs):
        """`token=...` links the session to a drivers Token, as a session start does
        (through the recorder drivers registers; stations does not import drivers)."""
        if create and extracted is not None:
            authorization.session_token_record(session=self, token=extracted)
