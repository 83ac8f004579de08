"""List endpoints: flat query counts (the same for 1 and many rows), cursor paging, and the booking journey."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.services import schedule_range_add
from appointments.tests.factories import AppointmentFactory
from doctors.tests.factories import DoctorFactory
from hospitals.tests.factories import AffiliationFactory
from notifications.tests.factories import NotificationFactory
from patients.tests.factories import PatientFactory


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def _grow(kind, *, doctor, patient, hospital, count):
    for index in range(count):
        if kind == "appointments":
            later = Appointment.objects.latest("start_at").start_at + datetime.timedelta(hours=1)
            AppointmentFactory(doctor=doctor, hospital=hospital, patient=PatientFactory(), start_at=later)
        elif kind == "doctors":
            AffiliationFactory(doctor=DoctorFactory(), hospital=hospital)
        elif kind == "notifications":
            NotificationFactory(recipient=patient.user, title=f"n{index}")


@pytest.mark.parametrize(
    ("kind", "path", "who"),
    [
        ("appointments", "/api/v1/appointments/", "doctor"),
        ("appointments", "/api/v1/patients/", "doctor"),
        ("doctors", "/api/v1/doctors/", "patient"),
        ("doctors", "/api/v1/hospitals/{hospital}/doctors/", "patient"),
        ("notifications", "/api/v1/notifications/", "patient"),
    ],
)
def test_list_query_count_is_flat(api_for, care_appointment, doctor, patient, hospital, kind, path, who):
    user = doctor.user if who == "doctor" else patient.user
    path = path.format(hospital=hospital.pk)
    NotificationFactory(recipient=patient.user)
    client = api_for(user)
    _queries(client, path)  # warm: the first request also loads the session and caches
    one = _queries(client, path)
    _grow(kind, doctor=doctor, patient=patient, hospital=hospital, count=25)
    many = _queries(client, path)
    assert many == one
    assert one <= 15


def test_record_lists_query_count_is_flat(api_for, records, doctor, patient):
    from prescriptions.services import diagnosis_add

    client = api_for(doctor.user)
    for kind in ("visits", "diagnoses", "prescriptions", "documents"):
        path = f"/api/v1/patients/{patient.pk}/record/{kind}/"
        one = _queries(client, path)
        diagnosis_add(actor=doctor.user, visit=records["note"], description=f"Extra {kind}")
        assert _queries(client, path) == one, kind


def test_cursor_paging_visits_every_row_once(api_for, patient):
    for index in range(45):
        NotificationFactory(recipient=patient.user, title=f"n{index}")
    client = api_for(patient.user)
    seen, url = [], "/api/v1/notifications/?page_size=20"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 20
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 45
    assert len(client.get("/api/v1/notifications/?page_size=1000").json()["results"]) == 45  # capped at 100


def test_patient_books_reschedules_and_cancels(api_for, doctor, patient, hospital):
    schedule_range_add(
        actor=doctor.user, doctor=doctor, hospital=hospital, weekdays=list(range(7)),
        start_time=datetime.time(8, 0), end_time=datetime.time(20, 0), mode=Appointment.Mode.IN_PERSON,
    )  # fmt: skip
    client = api_for(patient.user)
    slots = client.get(f"/api/v1/doctors/{doctor.pk}/slots/?hospital={hospital.pk}").json()
    assert slots
    first, second = slots[0], slots[1]
    booking = {"doctor": doctor.pk, "hospital": hospital.pk, "start_at": first["start_at"], "mode": "in_person"}
    booked = client.post("/api/v1/appointments/", booking, format="json")
    assert booked.status_code == 201, booked.content
    appointment_id = booked.json()["id"]
    again = client.post("/api/v1/appointments/", booking, format="json")
    assert again.status_code in (400, 409) and again.json()["error"]["message"]
    assert first["start_at"] not in [s["start_at"] for s in client.get(f"/api/v1/doctors/{doctor.pk}/slots/").json()]
    moved = client.post(f"/api/v1/appointments/{appointment_id}/reschedule/", {"start_at": second["start_at"]},
                        format="json")  # fmt: skip
    assert moved.status_code == 200 and moved.json()["start_at"].startswith(second["start_at"][:16])
    cancelled = client.post(f"/api/v1/appointments/{appointment_id}/cancel/", {}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Appointment.objects.get(pk=appointment_id).status == Appointment.Status.CANCELLED


def test_invoice_amounts_are_decimal_strings_and_the_pay_link_works(api_for, client_for, patient, doctor, hospital):
    from api.tests.test_access_matrix import _issued_invoice

    invoice = _issued_invoice(doctor, hospital, patient)
    client = api_for(patient.user)
    body = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert body["total"] == str(invoice.total) and body["currency"] == invoice.currency
    link = client.post(f"/api/v1/invoices/{invoice.pk}/pay-link/").json()["pay_url"]
    page = client_for(None).get(link.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert invoice.number.encode() in page.content
