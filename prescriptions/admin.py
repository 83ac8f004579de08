"""Visit notes, note versions, prescriptions and diagnoses are NOT in the Django admin (issue 11).

The admin is a view like any other: it would have to scope, log every read and keep history on every edit. The
platform admin has no care relationship with any patient, so these models are simply not registered; clinical data
is read only through the care-scoped pages, which write the access log, and changed only through the services,
which keep versions."""
