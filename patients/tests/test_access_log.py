import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from patients.models import AccessLogEntry


def _entries(patient):
    return list(AccessLogEntry.objects.filter(patient=patient).order_by("id"))


@pytest.mark.parametrize(
    ("url_name", "key", "kind"),
    [
        ("patients:history", "patient", AccessLogEntry.Kind.HISTORY),
        ("prescriptions:visit_note", "note", AccessLogEntry.Kind.VISIT),
        ("prescriptions:detail", "prescription", AccessLogEntry.Kind.PRESCRIPTION),
        ("prescriptions:pdf", "prescription", AccessLogEntry.Kind.PRESCRIPTION_PDF),
        ("patients:document", "dicom", AccessLogEntry.Kind.DOCUMENT),
        ("patients:document_file", "dicom", AccessLogEntry.Kind.DOCUMENT_FILE),
        ("patients:document_preview", "image", AccessLogEntry.Kind.IMAGE),
        ("prescriptions:visit", "appointment", AccessLogEntry.Kind.VISIT),
    ],
)
def test_each_read_writes_exactly_one_row(url_name, key, kind, records, doctor, patient, hospital, client_for):
    obj = patient if key == "patient" else records[key]
    before = len(_entries(patient))
    response = client_for(doctor.user).get(reverse(url_name, args=[obj.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    entries = _entries(patient)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.accessor, entry.accessor_role, entry.kind) == (doctor.user, "doctor", kind)
    assert entry.hospital == hospital
    assert entry.ip_address == "10.1.2.3"
    expected_id = records["note"].pk if key == "appointment" else obj.pk
    assert entry.object_id == expected_id


def test_denied_and_missing_requests_write_nothing(records, other_doctor, other_patient, staff, client_for, patient):
    before = len(_entries(patient))
    for user in (other_doctor.user, other_patient.user, staff, None):
        client_for(user).get(reverse("prescriptions:detail", args=[records["prescription"].pk]))
        client_for(user).get(reverse("patients:document_file", args=[records["dicom"].pk]))
    assert len(_entries(patient)) == before


def test_patient_sees_who_viewed_their_record(records, doctor, patient, client_for):
    client_for(doctor.user).get(reverse("patients:history", args=[patient.pk]))
    client_for(doctor.user).get(reverse("prescriptions:pdf", args=[records["prescription"].pk]))
    client = client_for(patient.user)
    client.get(reverse("prescriptions:detail", args=[records["prescription"].pk]))  # the patient's own read

    page = client.get(reverse("patients:access_log")).content.decode()
    assert "Dr Asha Rao" in page
    assert "City Care" in page
    assert "Medical history" in page and "Prescription PDF" in page
    assert ">You<" not in page  # own reads are hidden unless asked for
    assert ">You<" in client.get(reverse("patients:access_log") + "?mine=1").content.decode()


def test_access_log_page_is_only_for_patients(doctor, staff, client_for):
    assert client_for(doctor.user).get(reverse("patients:access_log")).status_code == 403
    assert client_for(staff).get(reverse("patients:access_log")).status_code == 403
    assert client_for(None).get(reverse("patients:access_log")).status_code == 302


def test_access_log_page_query_count_does_not_grow(records, doctor, patient, client_for, django_assert_max_num_queries):
    client = client_for(patient.user)
    for _ in range(30):
        client_for(doctor.user).get(reverse("prescriptions:detail", args=[records["prescription"].pk]))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("patients:access_log"))
    assert response.content.decode().count("Dr Asha Rao") >= 30


@pytest.mark.parametrize("statement", ["UPDATE {t} SET kind = 'history'", "DELETE FROM {t}"])
def test_database_refuses_update_and_delete_of_the_access_log(statement, records, doctor, patient, client_for):
    """On PostgreSQL (CI) and SQLite alike, a trigger refuses changes to the log, even with raw SQL."""
    client_for(doctor.user).get(reverse("patients:history", args=[patient.pk]))
    count = AccessLogEntry.objects.count()
    assert count >= 1
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(t=AccessLogEntry._meta.db_table))
    assert AccessLogEntry.objects.count() == count


def test_orm_update_and_delete_are_refused_too(records, doctor, patient, client_for):
    client_for(doctor.user).get(reverse("patients:history", args=[patient.pk]))
    entry = AccessLogEntry.objects.latest("id")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(accessor_role="patient")
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    entry.refresh_from_db()
    assert entry.accessor_role == "doctor"


def test_admin_offers_no_add_change_or_delete(super_admin):
    request = RequestFactory().get("/")
    request.user = super_admin
    model_admin = site._registry[AccessLogEntry]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


# --- issue 11: the Django admin and redisplayed visit pages ------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/django-admin/prescriptions/visitnote/",
        "/django-admin/prescriptions/visitnoteversion/",
        "/django-admin/prescriptions/prescription/",
        "/django-admin/patients/medicalbackground/",
        "/django-admin/patients/clinicaldocument/",
    ],
)
def test_django_admin_does_not_browse_clinical_models(path, records, super_admin, client_for, patient):
    client = client_for(super_admin)
    before = len(_entries(patient))

    assert client.get(path).status_code == 404
    assert client.get(f"{path}{records['note'].pk}/change/").status_code == 404
    index = client.get("/django-admin/").content.decode()
    assert "Visit notes" not in index and "Medical backgrounds" not in index and "Prescriptions" not in index
    assert len(_entries(patient)) == before


@pytest.mark.parametrize(
    ("url_name", "data"),
    [("prescriptions:diagnosis_create", {"icd10_code": ""}), ("prescriptions:item_create", {"medicine_name": ""})],
)
def test_visit_page_redisplayed_after_a_refused_form_writes_the_access_log(url_name, data, records, doctor, patient,
                                                                           client_for):  # fmt: skip
    before = len(_entries(patient))

    response = client_for(doctor.user).post(reverse(url_name, args=[records["appointment"].pk]), data)

    assert response.status_code == 400
    assert "Chest pain" in response.content.decode()  # the page shows the note again …
    entries = _entries(patient)
    assert len(entries) == before + 1  # … and says so in the log
    assert (entries[-1].accessor, entries[-1].kind) == (doctor.user, AccessLogEntry.Kind.VISIT)
