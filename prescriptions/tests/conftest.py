# The clinical fixtures live with the patient record; prescriptions tests use the same ones.
from patients.tests.conftest import access_log_flushable, care_appointment, records  # noqa: F401
