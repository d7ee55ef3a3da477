from stations.models.chargers import ChargePointStatus, ChargingStation, Connector, RegistrationStatus
from stations.models.organisations import OperatingAgreement, Organisation, OrganisationMember
from stations.models.sessions import ChargingSession, MeterSample, StatusChange
from stations.models.sites import OpeningHours, Site

__all__ = [
    "ChargePointStatus",
    "ChargingSession",
    "ChargingStation",
    "Connector",
    "MeterSample",
    "OpeningHours",
    "OperatingAgreement",
    "Organisation",
    "OrganisationMember",
    "RegistrationStatus",
    "Site",
    "StatusChange",
]
