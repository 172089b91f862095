"""The tenant ground floor: dealer companies, stores and their business calendars and capacity,
staff accounts and roles, the call-center desk, the audit log, and the small shared pieces the
upper layers build on (tenant scope, keyset pages, queueing tasks on commit, the era table).
Imports nothing from vehicles or notifications."""
