"""Demo drivers with RFID cards and cars; idempotent like stations.demo."""

from django.db import transaction

from drivers.models import Driver, Token
from drivers.services import accounts, tokens, vehicles
from stations.demo import DRIVER_FIRST_NAMES, OPERATOR
from stations.models import Organisation

DEMO_DRIVER_PASSWORD = "drive-demo-2026"
VEHICLES = (
    ("Volkswagen", "ID.3", "58", "IEC_62196_T2_COMBO"),
    ("Tesla", "Model 3", "75", "IEC_62196_T2_COMBO"),
    ("Renault", "Zoe", "52", "IEC_62196_T2"),
    ("Nissan", "Leaf", "40", "CHADEMO"),
)


def demo_driver_email(index: int) -> str:
    return f"driver{index:02d}@example.com"


@transaction.atomic
def load_drivers() -> dict[str, int]:
    emsp = Organisation.objects.get(name=OPERATOR)
    created = 0
    for index, first_name in enumerate(DRIVER_FIRST_NAMES, start=1):
        email = demo_driver_email(index)
        existing = Driver.objects.filter(user__email=email).first()
        if existing is not None:
            # Demo logins can charge at once: their addresses are ours, nobody reads the link.
            if existing.email_verified_at is None:
                accounts.email_verify(token=accounts.email_verification_token(driver=existing))
            continue
        driver = accounts.driver_create(
            email=email, password=DEMO_DRIVER_PASSWORD, first_name=first_name, last_name="Demo", emsp=emsp, country="DE"
        )
        accounts.email_verify(token=accounts.email_verification_token(driver=driver))
        tokens.token_create(uid=f"RFID{index:08d}", driver=driver, kind=Token.Kind.RFID, label="Card")
        tokens.token_create(driver=driver, kind=Token.Kind.APP, label="App")
        make, model, battery, standard = VEHICLES[index % len(VEHICLES)]
        vehicles.vehicle_add(driver=driver, make=make, model=model, battery_kwh=battery, connector_standard=standard)
        created += 1
    return {"drivers_created": created}
