"""Every API route x method x role (super admin, hospital admin, staff, doctor, patient, anonymous).

The world: `patient` is in the care of `doctor` at `hospital` (a checked-in appointment, a visit note with a
diagnosis, an issued prescription, two documents); `other_patient` has nothing to do with anyone. Each role's
request runs inside a savepoint that is rolled back, so every role meets the same world.

Expected: 2xx for what the role may do, 401 anonymous, 403 a forbidden write, 404 out of scope, 405 a method the
resource does not have (patients are never deleted)."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from api.tests.conftest import access_token_for
from appointments.models import Appointment
from appointments.selectors import available_slots
from appointments.services import schedule_range_add
from doctors.tests.factories import SpecializationFactory
from notifications.tests.factories import NotificationFactory

CONTENT_TYPES = ("application/json", "application/vnd.oai.openapi", "image/", "application/octet")
ROLES = ["super_admin", "hospital_admin", "staff", "doctor", "patient", "anonymous"]


def expect(sa, ha, st, dr, pt, an=401) -> dict[str, int]:
    return dict(zip(ROLES, [sa, ha, st, dr, pt, an], strict=True))


ALL_200 = expect(200, 200, 200, 200, 200)
CARE_ONLY = expect(404, 404, 404, 200, 200)  # clinical data: the patient and their doctor
DOCTOR_WRITES = expect(403, 403, 403, 201, 403)
ADMIN_ONLY = expect(403, 200, 403, 403, 403)
NOT_ALLOWED = expect(405, 405, 405, 405, 405)

# (name, method, path with {placeholders}, body, expected statuses)
ROUTES = [
    ("me", "get", "/api/v1/me/", None, ALL_200),
    ("patients list", "get", "/api/v1/patients/", None, expect(200, 200, 200, 200, 403)),
    ("patient create", "post", "/api/v1/patients/", {"email": "walkin@example.org", "full_name": "Walk In"},
     expect(403, 201, 201, 403, 403)),
    ("patient get", "get", "/api/v1/patients/{patient}/", None, ALL_200),
    ("other patient get", "get", "/api/v1/patients/{other_patient}/", None, expect(200, 404, 404, 404, 404)),
    ("patient update", "patch", "/api/v1/patients/{patient}/", {"phone": "+91 98450 00000"},
     expect(403, 403, 403, 403, 200)),
    ("other patient update", "patch", "/api/v1/patients/{other_patient}/", {"phone": "1"},
     expect(403, 404, 404, 404, 404)),
    ("patient delete", "delete", "/api/v1/patients/{patient}/", None, NOT_ALLOWED),
    ("record visits", "get", "/api/v1/patients/{patient}/record/visits/", None, CARE_ONLY),
    ("record diagnoses", "get", "/api/v1/patients/{patient}/record/diagnoses/", None, CARE_ONLY),
    ("record prescriptions", "get", "/api/v1/patients/{patient}/record/prescriptions/", None, CARE_ONLY),
    ("record documents", "get", "/api/v1/patients/{patient}/record/documents/", None, CARE_ONLY),
    ("other record", "get", "/api/v1/patients/{other_patient}/record/visits/", None, expect(404, 404, 404, 404, 404)),
    ("visit get", "get", "/api/v1/visits/{note}/", None, CARE_ONLY),
    ("visit write", "post", "/api/v1/visits/", {"appointment": "{appointment}", "plan": "Rest"}, DOCTOR_WRITES),
    ("visit amend", "patch", "/api/v1/visits/{note}/", {"plan": "Rest", "amendment_reason": "typo"},
     expect(403, 403, 403, 200, 403)),
    ("diagnosis get", "get", "/api/v1/diagnoses/{diagnosis}/", None, CARE_ONLY),
    ("diagnosis add", "post", "/api/v1/diagnoses/", {"visit": "{note}", "icd10_code": "I10"}, DOCTOR_WRITES),
    ("diagnosis entered in error", "delete", "/api/v1/diagnoses/{diagnosis}/?reason=Wrong+patient", None,
     expect(403, 403, 403, 200, 403)),
    ("prescription get", "get", "/api/v1/prescriptions/{prescription}/", None, CARE_ONLY),
    ("document get", "get", "/api/v1/documents/{document}/", None, CARE_ONLY),
    ("document download", "get", "/api/v1/documents/{document}/download/", None, CARE_ONLY),
    ("doctors list", "get", "/api/v1/doctors/", None, ALL_200),
    ("doctor get", "get", "/api/v1/doctors/{doctor}/", None, ALL_200),
    ("doctor slots", "get", "/api/v1/doctors/{doctor}/slots/", None, ALL_200),
    ("doctor update", "patch", "/api/v1/doctors/{doctor}/", {"bio": "Cardiologist."}, expect(403, 403, 403, 200, 403)),
    ("other doctor update", "patch", "/api/v1/doctors/{other_doctor}/", {"bio": "x"}, expect(403, 403, 403, 403, 403)),
    ("specializations list", "get", "/api/v1/specializations/", None, ALL_200),
    ("specialization get", "get", "/api/v1/specializations/{specialization}/", None, ALL_200),
    ("specialization create", "post", "/api/v1/specializations/", {"name": "Nephrology"},
     expect(201, 403, 403, 403, 403)),
    ("specialization rename", "patch", "/api/v1/specializations/{specialization}/", {"name": "Cardiac care"},
     expect(200, 403, 403, 403, 403)),
    ("specialization delete", "delete", "/api/v1/specializations/{unused_specialization}/", None,
     expect(204, 403, 403, 403, 403)),
    ("hospitals list", "get", "/api/v1/hospitals/", None, ALL_200),
    ("hospital get", "get", "/api/v1/hospitals/{hospital}/", None, ALL_200),
    ("hospital departments", "get", "/api/v1/hospitals/{hospital}/departments/", None, ALL_200),
    ("hospital doctors", "get", "/api/v1/hospitals/{hospital}/doctors/", None, ALL_200),
    ("hospital add doctor", "post", "/api/v1/hospitals/{hospital}/doctors/", {"doctor": "{other_doctor}"},
     expect(403, 201, 403, 403, 403)),
    ("hospital remove doctor", "delete",
     "/api/v1/hospitals/{hospital}/doctors/{doctor}/?cancel_future_appointments=true", None, ADMIN_ONLY),
    ("other hospital add doctor", "post", "/api/v1/hospitals/{other_hospital}/doctors/", {"doctor": "{doctor}"},
     expect(403, 403, 403, 403, 403)),
    ("staff list", "get", "/api/v1/staff/", None, ADMIN_ONLY),
    ("staff create", "post", "/api/v1/staff/",
     {"email": "new-cashier@example.org", "full_name": "Cash Ier", "role": "cashier"}, expect(403, 201, 403, 403, 403)),
    ("staff get", "get", "/api/v1/staff/{staff_membership}/", None, ADMIN_ONLY),
    ("staff deactivate", "delete", "/api/v1/staff/{staff_membership}/", None, expect(403, 204, 403, 403, 403)),
    ("appointments list", "get", "/api/v1/appointments/", None, ALL_200),
    ("appointment get", "get", "/api/v1/appointments/{booked}/", None, ALL_200),
    ("other appointment get", "get", "/api/v1/appointments/{other_appointment}/", None,
     expect(200, 404, 404, 404, 404)),
    ("appointment book", "post", "/api/v1/appointments/",
     {"doctor": "{doctor}", "hospital": "{hospital}", "patient": "{patient}", "start_at": "{free_slot}",
      "mode": "in_person"}, expect(201, 201, 201, 403, 201)),
    ("appointment reschedule", "post", "/api/v1/appointments/{booked}/reschedule/", {"start_at": "{free_slot}"},
     expect(200, 200, 200, 403, 200)),
    ("appointment cancel", "post", "/api/v1/appointments/{booked}/cancel/", {"reason": "Unwell"}, ALL_200),
    ("notifications list", "get", "/api/v1/notifications/", None, ALL_200),
    ("notification read", "post", "/api/v1/notifications/{notification}/read/", None, expect(404, 404, 404, 404, 200)),
    ("notifications read all", "post", "/api/v1/notifications/read-all/", None, ALL_200),
    ("invoices list", "get", "/api/v1/invoices/", None, ALL_200),
    ("invoice get", "get", "/api/v1/invoices/{invoice}/", None, expect(200, 200, 404, 404, 200)),
    ("invoice pay link", "post", "/api/v1/invoices/{invoice}/pay-link/", None, expect(200, 200, 404, 404, 200)),
    ("payments list", "get", "/api/v1/payments/", None, ALL_200),
    ("schema", "get", "/api/schema/", None, expect(200, 200, 200, 200, 200, 200)),
    ("junk id", "get", "/api/v1/patients/not-a-number/", None, expect(404, 404, 404, 404, 404, 404)),
    ("huge id", "get", "/api/v1/appointments/99999999999999999999999/", None, expect(404, 404, 404, 404, 404)),
    ("unknown route", "get", "/api/v1/nothing-here/", None, expect(404, 404, 404, 404, 404, 404)),
]  # fmt: skip


@pytest.fixture
def world(records, super_admin, hospital_admin, staff, doctor, patient, other_patient, other_doctor, other_hospital):
    from appointments.tests.factories import AppointmentFactory
    from hospitals.models import HospitalMembership

    hospital = records["appointment"].hospital
    schedule_range_add(
        actor=doctor.user, doctor=doctor, hospital=hospital, weekdays=list(range(7)),
        start_time=datetime.time(0, 0), end_time=datetime.time(23, 30), mode=Appointment.Mode.IN_PERSON,
    )  # fmt: skip
    today = timezone.localdate()
    slots = available_slots(doctor=doctor, hospital=hospital, start_date=today, end_date=today + datetime.timedelta(3))
    booked = AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital, start_at=slots[0].start_at,
                                end_at=slots[0].end_at)  # fmt: skip
    other = AppointmentFactory(patient=other_patient, doctor=other_doctor, hospital=other_hospital)
    invoice = _issued_invoice(doctor, hospital, patient)
    users = {"super_admin": super_admin, "hospital_admin": hospital_admin, "staff": staff, "doctor": doctor.user,
             "patient": patient.user, "anonymous": None}  # fmt: skip
    ids = {
        "patient": patient.pk, "other_patient": other_patient.pk, "doctor": doctor.pk, "other_doctor": other_doctor.pk,
        "hospital": hospital.pk, "other_hospital": other_hospital.pk, "appointment": records["appointment"].pk,
        "note": records["note"].pk, "diagnosis": records["note"].diagnoses.get().pk,
        "prescription": records["prescription"].pk, "document": records["image"].pk,
        "specialization": doctor.specializations.get().pk,
        "unused_specialization": SpecializationFactory(name="Unused", slug="unused").pk,
        "staff_membership": HospitalMembership.objects.get(user=staff).pk, "booked": booked.pk,
        "other_appointment": other.pk, "notification": NotificationFactory(recipient=patient.user).pk,
        "free_slot": slots[1].start_at.isoformat(), "invoice": invoice.pk,
    }  # fmt: skip
    return users, ids


def _issued_invoice(doctor, hospital, patient):
    """A completed visit's bill, issued by the hospital's cashier (billing's own services)."""
    from appointments.services import appointment_transition
    from billing.models import Invoice
    from billing.services import invoice_issue
    from billing.tests.factories import cashier_of, completed_visit

    visit = completed_visit(doctor=doctor, hospital=hospital, patient=patient)
    appointment_transition(actor=doctor.user, appointment=visit, to_status="completed")
    invoice = Invoice.objects.get(appointment=visit, supplement_of__isnull=True)
    return invoice_issue(actor=cashier_of(hospital), invoice=invoice)


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        filled = {key: _fill(item, ids) for key, item in value.items()}
        return {k: int(v) if isinstance(v, str) and v.isdigit() else v for k, v in filled.items()}
    return value


@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), ROUTES, ids=[route[0] for route in ROUTES])
def test_route_by_role(world, name, method, path, body, expected):
    from rest_framework.test import APIClient

    users, ids = world
    tokens = {role: access_token_for(user) for role, user in users.items() if user is not None}
    got = {}
    for role in ROLES:
        client = APIClient()
        if role in tokens:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[role]}")
        savepoint = transaction.savepoint()
        try:
            response = getattr(client, method)(_fill(path, ids), _fill(body, ids), format="json")
        finally:
            transaction.savepoint_rollback(savepoint)
        got[role] = response.status_code
        if response.status_code != 204:
            assert response["Content-Type"].startswith(CONTENT_TYPES), (role, response.content[:200])
        if response.status_code >= 400:
            assert response.json()["error"]["status"] == response.status_code
    assert got == expected
