"""FHIR R4 views of our rows: one builder per resource type, fed by the same selectors as the UI.

Resource ids are the rows' primary keys (stored, never reused, never minted per request). Codes come from the
value sets the R4 specification binds as required; api/tests/test_fhir.py checks every emitted code against them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from appointments.models import Appointment
from appointments.selectors import appointments_visible_to
from doctors.models import DoctorProfile
from doctors.selectors import doctors_listed_for, listed_affiliations
from hms.inputs import parse_id
from hospitals.models import Affiliation, Hospital
from hospitals.selectors import approved_hospitals
from patients.models import AccessLogEntry, ClinicalDocument, PatientProfile
from patients.selectors import documents_visible_to, patient_profiles_visible_to
from prescriptions.models import Diagnosis, Prescription, PrescriptionItem, VisitNote
from prescriptions.selectors import prescriptions_visible_to, visits_visible_to

ICD10 = "http://hl7.org/fhir/sid/icd-10"
PATIENT_NUMBER = "urn:hms:patient-number"
REGISTRATION = "urn:hms:doctor-registration"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

GENDER = {"female": "female", "male": "male", "other": "other", "undisclosed": "unknown"}
APPOINTMENT_STATUS = {
    "booked": "booked", "checked_in": "checked-in", "in_progress": "arrived", "completed": "fulfilled",
    "cancelled": "cancelled", "no_show": "noshow",
}  # fmt: skip
ENCOUNTER_STATUS = {"checked_in": "arrived", "in_progress": "in-progress"}  # anything else: finished


def ref(kind: str, pk) -> dict:
    return {"reference": f"{kind}/{pk}"}


def instant(value) -> str | None:
    return value.isoformat() if value else None


def clean(resource: dict) -> dict:
    """FHIR forbids empty values: drop None, "", [] and {} recursively."""
    if isinstance(resource, dict):
        cleaned = {key: clean(value) for key, value in resource.items()}
        return {key: value for key, value in cleaned.items() if value not in (None, "", [], {})}
    if isinstance(resource, list):
        return [item for item in (clean(value) for value in resource) if item not in (None, "", [], {})]
    return resource


# --- builders ----------------------------------------------------------------------------------------------


def patient_resource(patient: PatientProfile) -> dict:
    user = patient.user
    return {
        "resourceType": "Patient", "id": str(patient.pk),
        "identifier": [{"system": PATIENT_NUMBER, "value": patient.patient_number}],
        "active": user.is_active,
        "name": [{"text": user.full_name}],
        "telecom": [{"system": "email", "value": user.email}] + ([{"system": "phone", "value": user.phone}]
                                                                  if user.phone else []),
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        "address": [{"text": patient.address}] if patient.address else [],
    }  # fmt: skip


def practitioner_resource(doctor: DoctorProfile) -> dict:
    return {
        "resourceType": "Practitioner", "id": str(doctor.pk),
        "identifier": [{"system": REGISTRATION, "value": doctor.registration_number}],
        "active": doctor.user.is_active,
        "name": [{"text": doctor.user.full_name, "prefix": ["Dr"]}],
        "qualification": [{"code": {"text": doctor.qualifications}}] if doctor.qualifications else [],
    }  # fmt: skip


def practitioner_role_resource(affiliation: Affiliation) -> dict:
    specialties = [{"text": s.name} for s in affiliation.doctor.specializations.all()]
    return {
        "resourceType": "PractitionerRole", "id": str(affiliation.pk), "active": affiliation.is_active,
        "period": {"start": instant(affiliation.started_at), "end": instant(affiliation.ended_at)},
        "practitioner": ref("Practitioner", affiliation.doctor_id),
        "organization": ref("Organization", affiliation.hospital_id),
        "code": [{"text": affiliation.department.name}] if affiliation.department else [],
        "specialty": specialties,
    }  # fmt: skip


def organization_resource(hospital: Hospital) -> dict:
    return {
        "resourceType": "Organization", "id": str(hospital.pk), "active": hospital.is_approved, "name": hospital.name,
        "telecom": [{"system": "phone", "value": hospital.phone}]
        + ([{"system": "email", "value": hospital.email}] if hospital.email else []),
        "address": [{"text": hospital.address, "city": hospital.city}],
    }  # fmt: skip


def appointment_resource(appointment: Appointment) -> dict:
    return {
        "resourceType": "Appointment", "id": str(appointment.pk),
        "status": APPOINTMENT_STATUS[appointment.status],
        "description": appointment.reason,
        "start": instant(appointment.start_at), "end": instant(appointment.end_at),
        "created": instant(appointment.created_at),
        "cancelationReason": {"text": appointment.cancellation_reason} if appointment.cancellation_reason else None,
        "appointmentType": {"text": appointment.get_mode_display()},
        "participant": [
            {"actor": ref("Patient", appointment.patient_id), "status": "accepted"},
            {"actor": ref("Practitioner", appointment.doctor_id), "status": "accepted"},
        ],
    }  # fmt: skip


def encounter_resource(note: VisitNote) -> dict:
    appointment = note.appointment
    video = appointment.mode == Appointment.Mode.VIDEO
    return {
        "resourceType": "Encounter", "id": str(note.pk),
        "status": ENCOUNTER_STATUS.get(appointment.status, "finished"),
        "class": {"system": ACT_CODE, "code": "VR" if video else "AMB"},
        "subject": ref("Patient", note.patient_id),
        "participant": [{"individual": ref("Practitioner", note.doctor_id)}],
        "appointment": [ref("Appointment", appointment.pk)],
        "period": {"start": instant(appointment.start_at), "end": instant(appointment.end_at)},
        "reasonCode": [{"text": note.chief_complaint}] if note.chief_complaint else [],
        "serviceProvider": ref("Organization", note.hospital_id),
    }  # fmt: skip


def condition_resource(diagnosis: Diagnosis) -> dict:
    in_error = diagnosis.entered_in_error_at is not None
    coding = [{"system": ICD10, "code": diagnosis.icd10_code, "display": diagnosis.description}]
    return {
        "resourceType": "Condition", "id": str(diagnosis.pk),
        # An entered-in-error condition carries no clinical status (FHIR invariant con-5).
        "clinicalStatus": None if in_error else {"coding": [{"system": CLINICAL_STATUS, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION_STATUS,
                                           "code": "entered-in-error" if in_error else "confirmed"}]},
        "code": {"coding": coding if diagnosis.icd10_code else [], "text": diagnosis.description},
        "subject": ref("Patient", diagnosis.visit.patient_id),
        "encounter": ref("Encounter", diagnosis.visit_id),
        "recordedDate": instant(diagnosis.created_at),
        "note": [{"text": f"Entered in error: {diagnosis.entered_in_error_reason}"}] if in_error else [],
    }  # fmt: skip


def medication_request_resource(item: PrescriptionItem) -> dict:
    prescription = item.prescription
    earlier = prescription.supersedes
    prior = None
    if earlier is not None:
        match = next((i for i in earlier.items.all() if i.position == item.position), None)
        prior = ref("MedicationRequest", match.pk) if match else None
    superseded = prescription.status == Prescription.Status.SUPERSEDED
    dose = " ".join(part for part in (item.dose, item.frequency, item.duration, item.instructions) if part)
    return {
        "resourceType": "MedicationRequest", "id": str(item.pk),
        "status": "stopped" if superseded else "active",
        "statusReason": {"text": "Superseded by a corrected prescription"} if superseded else None,
        "intent": "order",
        "groupIdentifier": {"system": "urn:hms:prescription", "value": prescription.number},
        "medicationCodeableConcept": {"text": f"{item.medicine_name} {item.strength} {item.form}".strip()},
        "subject": ref("Patient", prescription.patient_id),
        "encounter": ref("Encounter", prescription.visit_id),
        "authoredOn": instant(prescription.issued_at),
        "requester": ref("Practitioner", prescription.doctor_id),
        "priorPrescription": prior,
        "dosageInstruction": [{"text": dose, "route": {"text": item.route}}],
        "note": [{"text": prescription.notes}] if prescription.notes else [],
    }  # fmt: skip


def document_reference_resource(document: ClinicalDocument) -> dict:
    return {
        "resourceType": "DocumentReference", "id": str(document.pk), "status": "current",
        "type": {"text": document.get_kind_display()},
        "subject": ref("Patient", document.patient_id),
        "date": instant(document.created_at),
        "description": document.title,
        "custodian": ref("Organization", document.hospital_id) if document.hospital_id else None,
        "content": [{"attachment": {
            "contentType": document.content_type, "title": document.original_name, "size": document.size,
            "url": reverse("api:document-download", args=[document.pk]),
        }}],
    }  # fmt: skip


def imaging_study_resource(document: ClinicalDocument) -> dict:
    return {
        "resourceType": "ImagingStudy", "id": str(document.pk), "status": "available",
        "subject": ref("Patient", document.patient_id),
        "started": document.study_date.isoformat() if document.study_date else None,
        "modality": [{"system": DICOM, "code": document.modality}] if document.modality else [],
        "description": document.study_description or document.title,
        "numberOfSeries": 1, "numberOfInstances": 1,
        "series": [{"uid": f"2.25.{document.pk}", "modality": {"system": DICOM, "code": document.modality or "OT"},
                    "bodySite": {"display": document.body_part} if document.body_part else None}],
    }  # fmt: skip


# --- registry: scope, builder, search parameters, access-log kind -------------------------------------


def _date_filter(field_name: str, *, is_date: bool = False) -> Callable[[QuerySet, str], QuerySet]:
    """FHIR date search: 2026-01-05 (that day), or a prefix ge/gt/le/lt/eq with a date."""
    import datetime

    def apply(queryset, value):
        prefix, text = (value[:2], value[2:]) if value[:2] in ("ge", "gt", "le", "lt", "eq") else ("eq", value)
        try:
            day = datetime.date.fromisoformat(text[:10])
        except ValueError as error:
            raise ValueError(f"Not a date: {value}") from error
        lookup = {"eq": "date", "ge": "date__gte", "gt": "date__gt", "le": "date__lte", "lt": "date__lt"}[prefix]
        if is_date:
            lookup = lookup.removeprefix("date").removeprefix("__") or "exact"
        return queryset.filter(**{f"{field_name}__{lookup}": day})

    return apply


def _ref_filter(field_name: str, kind: str) -> Callable[[QuerySet, str], QuerySet]:
    def apply(queryset, value):
        pk = parse_id(value.removeprefix(f"{kind}/"))
        return queryset.filter(**{field_name: pk}) if pk else queryset.none()

    return apply


def _choice_filter(field_name: str, mapping: dict[str, str]) -> Callable[[QuerySet, str], QuerySet]:
    def apply(queryset, value):
        ours = [key for key, code in mapping.items() if code in value.split(",")]
        return queryset.filter(**{f"{field_name}__in": ours})

    return apply


def _text_filter(*fields: str) -> Callable[[QuerySet, str], QuerySet]:
    def apply(queryset, value):
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": value[:100]})
        return queryset.filter(condition)

    return apply


@dataclass
class ResourceType:
    name: str
    scope: Callable[[Any], QuerySet]
    build: Callable[[Any], dict]
    search: dict[str, Callable[[QuerySet, str], QuerySet]] = field(default_factory=dict)
    log_kind: str | None = None  # clinical resources write the access log
    patient_of: Callable[[Any], int] | None = None


def _items_visible_to(user) -> QuerySet[PrescriptionItem]:
    prescriptions = prescriptions_visible_to(user).exclude(status=Prescription.Status.DRAFT)
    return (
        PrescriptionItem.objects.filter(prescription__in=prescriptions.values("pk"))
        .select_related("prescription__supersedes", "prescription__patient")
        .prefetch_related("prescription__supersedes__items")
    )


def _diagnoses_visible_to(user) -> QuerySet[Diagnosis]:
    return Diagnosis.objects.filter(visit__in=visits_visible_to(user).values("pk")).select_related("visit__patient")


def _roles_visible_to(user) -> QuerySet[Affiliation]:
    doctors = doctors_listed_for(user).values("pk")
    return (
        listed_affiliations()
        .filter(doctor__in=doctors)
        .select_related("department")
        .prefetch_related("doctor__specializations")
    )


PATIENT_REF = "patient"
TYPES: dict[str, ResourceType] = {
    "Patient": ResourceType(
        "Patient", patient_profiles_visible_to, patient_resource,
        {"_id": _ref_filter("pk", "Patient"), "identifier": _text_filter("patient_number"),
         "name": _text_filter("user__full_name"), "birthdate": _date_filter("date_of_birth", is_date=True),
         "gender": _choice_filter("sex", GENDER)},
    ),
    "Practitioner": ResourceType(
        "Practitioner", doctors_listed_for, practitioner_resource,
        {"_id": _ref_filter("pk", "Practitioner"), "name": _text_filter("user__full_name"),
         "identifier": _text_filter("registration_number")},
    ),
    "PractitionerRole": ResourceType(
        "PractitionerRole", _roles_visible_to, practitioner_role_resource,
        {"_id": _ref_filter("pk", "PractitionerRole"), "practitioner": _ref_filter("doctor_id", "Practitioner"),
         "organization": _ref_filter("hospital_id", "Organization")},
    ),
    "Organization": ResourceType(
        "Organization", lambda user: approved_hospitals(), organization_resource,
        {"_id": _ref_filter("pk", "Organization"), "name": _text_filter("name"),
         "address-city": _text_filter("city")},
    ),
    "Appointment": ResourceType(
        "Appointment", appointments_visible_to, appointment_resource,
        {"_id": _ref_filter("pk", "Appointment"), PATIENT_REF: _ref_filter("patient_id", "Patient"),
         "practitioner": _ref_filter("doctor_id", "Practitioner"), "date": _date_filter("start_at"),
         "status": _choice_filter("status", APPOINTMENT_STATUS)},
    ),
    "Encounter": ResourceType(
        "Encounter", lambda user: visits_visible_to(user), encounter_resource,
        {"_id": _ref_filter("pk", "Encounter"), PATIENT_REF: _ref_filter("patient_id", "Patient"),
         "date": _date_filter("appointment__start_at"),
         "status": lambda qs, value: qs if "finished" in value.split(",") else qs.filter(
             appointment__status__in=[k for k, v in ENCOUNTER_STATUS.items() if v in value.split(",")])},
        AccessLogEntry.Kind.VISIT, lambda note: note.patient,
    ),
    "Condition": ResourceType(
        "Condition", _diagnoses_visible_to, condition_resource,
        {"_id": _ref_filter("pk", "Condition"), PATIENT_REF: _ref_filter("visit__patient_id", "Patient"),
         "encounter": _ref_filter("visit_id", "Encounter"),
         "code": lambda qs, value: qs.filter(icd10_code__iexact=value.split("|")[-1][:10]),
         "recorded-date": _date_filter("created_at")},
        AccessLogEntry.Kind.VISIT, lambda diagnosis: diagnosis.visit.patient,
    ),
    "MedicationRequest": ResourceType(
        "MedicationRequest", _items_visible_to, medication_request_resource,
        {"_id": _ref_filter("pk", "MedicationRequest"),
         PATIENT_REF: _ref_filter("prescription__patient_id", "Patient"),
         "status": lambda qs, value: qs.filter(prescription__status__in=[
             *(["issued"] if "active" in value.split(",") else []),
             *(["superseded"] if "stopped" in value.split(",") else [])]),
         "authoredon": _date_filter("prescription__issued_at"),
         "intent": lambda qs, value: qs if "order" in value.split(",") else qs.none()},
        AccessLogEntry.Kind.PRESCRIPTION, lambda item: item.prescription.patient,
    ),
    "DocumentReference": ResourceType(
        "DocumentReference", documents_visible_to, document_reference_resource,
        {"_id": _ref_filter("pk", "DocumentReference"), PATIENT_REF: _ref_filter("patient_id", "Patient"),
         "date": _date_filter("created_at")},
        AccessLogEntry.Kind.DOCUMENT, lambda document: document.patient,
    ),
    "ImagingStudy": ResourceType(
        "ImagingStudy", lambda user: documents_visible_to(user).filter(kind=ClinicalDocument.Kind.DICOM),
        imaging_study_resource,
        {"_id": _ref_filter("pk", "ImagingStudy"), PATIENT_REF: _ref_filter("patient_id", "Patient"),
         "started": _date_filter("study_date", is_date=True)},
        AccessLogEntry.Kind.DOCUMENT, lambda document: document.patient,
    ),
}  # fmt: skip


def build(kind: str, row) -> dict:
    return clean(TYPES[kind].build(row))
