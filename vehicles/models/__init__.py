"""The models of this layer, one module per capability; re-exported for `from <app>.models import X`."""

from vehicles.models.appointments import Appointment, AppointmentState
from vehicles.models.capacity import BayHold, DayHold, Occupies, WorkCode, WorkQuota, WorkType
from vehicles.models.contracts import Contract, ContractStatus, ServiceAvailability
from vehicles.models.credentials import VehicleCredential
from vehicles.models.customers import ConsentCategory, ConsentRecord, Customer, CustomerConsent
from vehicles.models.followups import Assignee, CallOutcome, FollowUp, FollowUpCall, FollowUpStatus, NextAction
from vehicles.models.maintenance import (
    DueAnchor,
    DueBasis,
    MaintenanceDue,
    MaintenanceItem,
    PaceBasis,
    VehicleMaintenance,
)
from vehicles.models.recalls import RecallCampaign, RecallKind, RecallRange, RecallStatus, RecallTarget
from vehicles.models.registration import StoreRegistration
from vehicles.models.service_records import (
    ServiceItem,
    ServiceRecord,
    ServiceRecordItem,
    ServiceRecordSource,
)
from vehicles.models.telemetry import (
    DiagnosticCode,
    OilLevel,
    Severity,
    SmartKeyBattery,
    TelemetryBatch,
    TelemetryDay,
    TelemetryDayStale,
    TelemetryReading,
    VehicleState,
    VehicleWarning,
    WarningKind,
)
from vehicles.models.vehicle import Equipment, ShakenExpirySource, Vehicle, VehicleClass, VehicleUse

__all__ = [
    "Appointment",
    "AppointmentState",
    "Assignee",
    "BayHold",
    "CallOutcome",
    "ConsentCategory",
    "ConsentRecord",
    "Contract",
    "ContractStatus",
    "Customer",
    "CustomerConsent",
    "DayHold",
    "DiagnosticCode",
    "DueAnchor",
    "DueBasis",
    "Equipment",
    "FollowUp",
    "FollowUpCall",
    "FollowUpStatus",
    "MaintenanceDue",
    "MaintenanceItem",
    "NextAction",
    "Occupies",
    "OilLevel",
    "PaceBasis",
    "RecallCampaign",
    "RecallKind",
    "RecallRange",
    "RecallStatus",
    "RecallTarget",
    "ServiceAvailability",
    "ServiceItem",
    "ServiceRecord",
    "ServiceRecordItem",
    "ServiceRecordSource",
    "Severity",
    "ShakenExpirySource",
    "SmartKeyBattery",
    "StoreRegistration",
    "TelemetryBatch",
    "TelemetryDay",
    "TelemetryDayStale",
    "TelemetryReading",
    "Vehicle",
    "VehicleClass",
    "VehicleCredential",
    "VehicleMaintenance",
    "VehicleState",
    "VehicleUse",
    "VehicleWarning",
    "WarningKind",
    "WorkCode",
    "WorkQuota",
    "WorkType",
]
