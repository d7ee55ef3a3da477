"""Who we are to partners: our CredentialsRoles, built from the OCPI_* settings."""

from django.conf import settings

VERSION = "2.2.1"


def our_roles() -> list[dict]:
    business = {"name": settings.OCPI_BUSINESS_NAME}
    return [
        {
            "role": "CPO",
            "party_id": settings.OCPI_CPO_PARTY_ID,
            "country_code": settings.OCPI_COUNTRY_CODE,
            "business_details": business,
        },
        {
            "role": "EMSP",
            "party_id": settings.OCPI_EMSP_PARTY_ID,
            "country_code": settings.OCPI_COUNTRY_CODE,
            "business_details": business,
        },
    ]


def our_party(role: str) -> tuple[str, str]:
    """(country_code, party_id) we use in the given role."""
    party_id = settings.OCPI_CPO_PARTY_ID if role == "CPO" else settings.OCPI_EMSP_PARTY_ID
    return settings.OCPI_COUNTRY_CODE, party_id


def is_ours(*, country_code: str, party_id: str) -> bool:
    return any(
        role["country_code"] == country_code.upper() and role["party_id"] == party_id.upper() for role in our_roles()
    )


def versions_url() -> str:
    return f"{settings.OCPI_PUBLIC_URL}/ocpi/versions"


def url(path: str) -> str:
    return f"{settings.OCPI_PUBLIC_URL}/ocpi/{path}"
