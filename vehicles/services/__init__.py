"""Vehicle-layer services (write side), one module per area."""

# Registration, contracts, consent and customers (re-exported: callers import from here).
from vehicles.services.consent import (
    consent_check,
    consent_granted,
    consent_granted_exists,
    consent_opt_out_by_token,
    consent_opt_out_token,
    consent_set,
)
from vehicles.services.contracts import (
    contract_activate,
    contract_set_status,
    contract_set_terms,
    services_available,
    services_offered,
    vehicles_with_service,
)
from vehicles.services.customers import (
    CUSTOMER_FIELDS,
    customer_create,
    customer_fields_clean,
    customer_update,
    phone_normalise,
)
from vehicles.services.registration import (
    registrations_end_for_store,
    store_check_registrable,
    store_leave_remote_maintenance,
    vehicle_register_store,
    vehicle_unregister_store,
)

__all__ = [
    "CUSTOMER_FIELDS",
    "consent_check",
    "consent_granted",
    "consent_granted_exists",
    "consent_opt_out_by_token",
    "consent_opt_out_token",
    "consent_set",
    "contract_activate",
    "contract_set_status",
    "contract_set_terms",
    "customer_create",
    "customer_fields_clean",
    "customer_update",
    "phone_normalise",
    "registrations_end_for_store",
    "services_available",
    "services_offered",
    "store_check_registrable",
    "store_leave_remote_maintenance",
    "vehicle_register_store",
    "vehicle_unregister_store",
    "vehicles_with_service",
]
