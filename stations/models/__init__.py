from stations.assets.models.assets import AssetEvent, EnergyPrice, LabourRate
from stations.load_management.models import (
    ConnectorElectrics,
    LoadEvent,
    LoadNode,
    LoadWindow,
    SessionAllocation,
    SiteLoadPolicy,
    StationFailSafe,
)
from stations.models.chargers import ChargePointStatus, ChargingStation, Connector, RegistrationStatus
from stations.models.commands import CommandRequest
from stations.models.organisations import OperatingAgreement, Organisation, OrganisationMember
from stations.models.sessions import ChargingSession, MeterSample, StatusChange
from stations.models.sites import OpeningHours, Site
from stations.operations.models.firmware import DiagnosticsRequest, FirmwareCampaign, FirmwareTarget
from stations.operations.models.health import SessionIntervention
from stations.operations.models.incidents import Incident, Notification
from stations.operations.models.maintenance import (
    AvailabilityChange,
    MaintenancePlan,
    WorkOrder,
    WorkOrderChecklistItem,
    WorkOrderPart,
)
from stations.operations.models.uptime import ConnectorUptimeDay, OutageExclusion
from stations.pipeline.models.candidates import CandidateSite, PipelineStage

__all__ = [
    "ChargePointStatus",
    "ChargingSession",
    "ChargingStation",
    "CommandRequest",
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

# Operations (incidents, maintenance, uptime, firmware).
__all__ += [
    "AvailabilityChange",
    "ConnectorUptimeDay",
    "DiagnosticsRequest",
    "FirmwareCampaign",
    "FirmwareTarget",
    "Incident",
    "MaintenancePlan",
    "Notification",
    "OutageExclusion",
    "SessionIntervention",
    "WorkOrder",
    "WorkOrderChecklistItem",
    "WorkOrderPart",
]

# Assets and their economics.
__all__ += ["AssetEvent", "EnergyPrice", "LabourRate"]

# The site pipeline (candidates, their stages).
__all__ += ["CandidateSite", "PipelineStage"]

# Site load management.
__all__ += [
    "ConnectorElectrics",
    "LoadEvent",
    "LoadNode",
    "LoadWindow",
    "SessionAllocation",
    "SiteLoadPolicy",
    "StationFailSafe",
]

# API machinery (config/api/idempotency.py).
