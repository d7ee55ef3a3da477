import factory
from django.contrib.auth import get_user_model

from drivers.models import Driver, Token, Vehicle

DRIVER_PASSWORD = "a-driver-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.django.Password(DRIVER_PASSWORD)


class DriverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Driver

    user = factory.SubFactory(UserFactory)
    country = "DE"


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Token

    uid = factory.Sequence(lambda n: f"TAG{n:08d}")
    driver = factory.SubFactory(DriverFactory)
    kind = Token.Kind.RFID


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    driver = factory.SubFactory(DriverFactory)
    make = "Volkswagen"
    model = "ID.3"
