from vehicles.models.contracts import Contract, ContractStatus, ServiceAvailability
from vehicles.models.credentials import VehicleCredential
from vehicles.models.customers import ConsentCategory, ConsentRecord, Customer, CustomerConsent
from vehicles.models.registration import StoreRegistration
from vehicles.models.vehicle import Equipment, Vehicle, VehicleClass, VehicleUse

__all__ = [
    "ConsentCategory",
    "ConsentRecord",
    "Contract",
    "ContractStatus",
    "Customer",
    "CustomerConsent",
    "Equipment",
    "ServiceAvailability",
    "StoreRegistration",
    "Vehicle",
    "VehicleClass",
    "VehicleCredential",
    "VehicleUse",
]

from vehicles.models.recalls import RecallCampaign, RecallKind, RecallRange, RecallStatus, RecallTarget

__all__ += ["RecallCampaign", "RecallKind", "RecallRange", "RecallStatus", "RecallTarget"]

from vehicles.models.telemetry import (  # noqa: E402
    DiagnosticCode,
    OilLevel,
    Severity,
    SmartKeyBattery,
    TelemetryBatch,
    TelemetryReading,
    VehicleState,
    VehicleWarning,
    WarningKind,
)

__all__ += [
    "DiagnosticCode",
    "OilLevel",
    "Severity",
    "SmartKeyBattery",
    "TelemetryBatch",
    "TelemetryReading",
    "VehicleState",
    "VehicleWarning",
    "WarningKind",
]

from vehicles.models.appointments import Appointment, AppointmentState, SlotBooking  # noqa: E402

__all__ += ["Appointment", "AppointmentState", "SlotBooking"]

from vehicles.models.followups import (  # noqa: E402
    Assignee,
    CallOutcome,
    FollowUp,
    FollowUpCall,
    FollowUpStatus,
    NextAction,
)

__all__ += ["Assignee", "CallOutcome", "FollowUp", "FollowUpCall", "FollowUpStatus", "NextAction"]
