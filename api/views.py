"""REST API v1: thin views over the apps' selectors (who sees what) and services (what may change).

Access rules (DESIGN.md section 4): an object outside a user's scope is a 404, a write they may not do is a 403,
anonymous is a 401. The matrix test in api/tests/test_access_matrix.py pins every route x method x role."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.base import DOCTOR, HOSPITAL_ADMIN, PATIENT, STAFF, SUPER_ADMIN, ApiMixin, ApiViewSet, log_read
from api.filters import AppointmentFilter, DoctorFilter, NotificationFilter
from appointments.selectors import appointments_visible_to, available_slots
from appointments.services import appointment_book, appointment_cancel, appointment_reschedule
from billing.models import Invoice, Payment
from billing.selectors import invoices_visible_to, pay_link_token, payments_visible_to
from doctors.models import DoctorProfile, Specialization
from doctors.selectors import doctors_listed_for
from doctors.services import doctor_update_profile, specialization_delete, specialization_save
from hospitals.models import Affiliation, Hospital, HospitalMembership
from hospitals.selectors import approved_hospitals, hospital_of, local_today, membership_of, staff_of
from hospitals.services import affiliation_create, affiliation_end, is_admin_of, staff_create
from notifications.models import Notification
from notifications.selectors import notifications_of
from notifications.services import notification_mark_read, notifications_mark_all_read
from patients.models import AccessLogEntry, PatientProfile
from patients.selectors import documents_visible_to, patient_profiles_visible_to, patients_visible_to
from patients.services import PatientError, patient_profile_update, patient_register_at_desk
from prescriptions.models import Diagnosis
from prescriptions.selectors import prescriptions_visible_to, visit_appointments_of, visits_visible_to
from prescriptions.services import diagnosis_add, diagnosis_mark_entered_in_error, visit_note_save

SLOT_DAYS_MAX = 31


def _validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- me ----------------------------------------------------------------------------------------------


class MeView(ApiMixin, APIView):
    @extend_schema(responses=s.MeSerializer, summary="The signed-in account: role and the ids the other endpoints take")
    def get(self, request):
        user = request.user
        membership = HospitalMembership.objects.filter(user=user, is_active=True).first()
        data = {
            "id": user.pk, "email": user.email, "full_name": user.full_name,
            "role": SUPER_ADMIN if user.is_superuser else user.role,
            "patient_id": PatientProfile.objects.filter(user=user).values_list("pk", flat=True).first(),
            "doctor_id": DoctorProfile.objects.filter(user=user).values_list("pk", flat=True).first(),
            "hospital_id": membership.hospital_id if membership else None,
        }  # fmt: skip
        return Response(s.MeSerializer(data).data)


# --- patients ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Patients in your scope (doctor: your patients; staff/admin: your hospital's)"),
    retrieve=extend_schema(summary="One patient's details (no clinical data)"),
    create=extend_schema(request=s.PatientCreateSerializer, summary="Register a walk-in patient (front desk)"),
    partial_update=extend_schema(request=s.PatientUpdateSerializer, summary="Update your own details (patient)"),
)
class PatientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Patients are never deleted (clinical data stays): there is no DELETE."""

    serializer_class = s.PatientSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    roles = {
        "list": (SUPER_ADMIN, HOSPITAL_ADMIN, STAFF, DOCTOR),
        "create": (HOSPITAL_ADMIN, STAFF),
    }

    def get_queryset(self):
        return patient_profiles_visible_to(self.request.user).order_by("-pk")

    def create(self, request):
        data = _validated(s.PatientCreateSerializer, request.data)
        try:
            profile = patient_register_at_desk(actor=request.user, **data)
        except PatientError as error:
            raise ValidationError({"email": [str(error)]}) from error
        return Response(s.PatientSerializer(profile).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        patient = self.get_object()
        data = _validated(s.PatientUpdateSerializer, request.data)
        patient = patient_profile_update(actor=request.user, patient=patient, **data)
        return Response(s.PatientSerializer(patient).data)


class PatientRecordViewSet(ApiViewSet):
    """A patient's clinical record, one collection per kind; the care relationship decides (404 otherwise), and
    each read is one "medical history" row in the patient's access log, as on the history page."""

    serializer_class = s.VisitNoteSerializer
    lookup_url_kwarg = "patient_pk"
    queryset = PatientProfile.objects.none()  # for the schema only

    def _patient(self):
        patient = patients_visible_to(self.request.user).filter(pk=_pk(self.kwargs["patient_pk"])).first()
        if patient is None:
            raise NotFound()
        log_read(self.request, patient=patient, kind=AccessLogEntry.Kind.HISTORY, object_id=patient.pk)
        return patient

    @extend_schema(responses=s.VisitNoteSerializer(many=True), summary="Visit notes of a patient")
    @action(detail=False, url_path="visits")
    def visits(self, request, patient_pk=None):
        patient = self._patient()
        return self.paged(visits_visible_to(request.user).filter(patient=patient).prefetch_related("diagnoses"))

    @extend_schema(responses=s.DiagnosisSerializer(many=True), summary="Diagnoses of a patient")
    @action(detail=False, url_path="diagnoses")
    def diagnoses(self, request, patient_pk=None):
        patient = self._patient()
        visits = visits_visible_to(request.user).filter(patient=patient)
        queryset = Diagnosis.objects.filter(visit__in=visits.values("pk")).select_related("visit")
        return self.paged(queryset, s.DiagnosisSerializer)

    @extend_schema(responses=s.PrescriptionSerializer(many=True), summary="Prescriptions of a patient")
    @action(detail=False, url_path="prescriptions")
    def prescriptions(self, request, patient_pk=None):
        patient = self._patient()
        queryset = prescriptions_visible_to(request.user).filter(patient=patient).prefetch_related("items")
        return self.paged(queryset, s.PrescriptionSerializer)

    @extend_schema(responses=s.DocumentSerializer(many=True), summary="Documents and images of a patient")
    @action(detail=False, url_path="documents")
    def documents(self, request, patient_pk=None):
        patient = self._patient()
        return self.paged(documents_visible_to(request.user).filter(patient=patient), s.DocumentSerializer)


def _pk(value) -> int:
    from api.base import parse_pk

    return parse_pk(value)


# --- medical records: single items and writes ---------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(summary="A visit note with its diagnoses"),
    create=extend_schema(request=s.VisitNoteCreateSerializer, summary="Write the visit note of an appointment"),
    partial_update=extend_schema(request=s.VisitNoteAmendSerializer, summary="Amend a visit note (keeps history)"),
)
class VisitNoteViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.VisitNoteSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    roles = {"create": (DOCTOR,), "partial_update": (DOCTOR,)}

    def get_queryset(self):
        return visits_visible_to(self.request.user).prefetch_related("diagnoses")

    def retrieve(self, request, pk=None):
        note = self.get_object()
        log_read(request, patient=note.patient, kind=AccessLogEntry.Kind.VISIT, object_id=note.pk,
                 hospital_id=note.hospital_id)  # fmt: skip
        return Response(self.get_serializer(note).data)

    def create(self, request):
        data = dict(_validated(s.VisitNoteCreateSerializer, request.data))
        appointment = visit_appointments_of(request.user).filter(pk=data.pop("appointment")).first()
        if appointment is None:
            raise NotFound()
        note = visit_note_save(actor=request.user, appointment=appointment, data=data)
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        note = self.get_object()
        data = dict(_validated(s.VisitNoteAmendSerializer, request.data))
        reason = data.pop("amendment_reason", "")
        if note.doctor.user_id != request.user.pk:
            raise PermissionDenied(_("Only the doctor who wrote this visit note can amend it."))
        note = visit_note_save(actor=request.user, appointment=note.appointment, data=data, amendment_reason=reason)
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data)


@extend_schema_view(
    retrieve=extend_schema(summary="One diagnosis"),
    create=extend_schema(request=s.DiagnosisCreateSerializer, summary="Add a diagnosis to your visit note"),
    destroy=extend_schema(
        parameters=[OpenApiParameter("reason", str, required=True, description="Why it was entered in error")],
        responses={200: s.DiagnosisSerializer},
        summary="Mark a diagnosis entered in error (kept on the record with the reason; never deleted)",
    ),
)
class DiagnosisViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.DiagnosisSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    roles = {"create": (DOCTOR,), "destroy": (DOCTOR,)}

    def get_queryset(self):
        visits = visits_visible_to(self.request.user)
        return Diagnosis.objects.filter(visit__in=visits.values("pk")).select_related("visit__patient")

    def retrieve(self, request, pk=None):
        diagnosis = self.get_object()
        log_read(request, patient=diagnosis.visit.patient, kind=AccessLogEntry.Kind.VISIT,
                 object_id=diagnosis.visit_id, hospital_id=diagnosis.visit.hospital_id)  # fmt: skip
        return Response(self.get_serializer(diagnosis).data)

    def create(self, request):
        data = dict(_validated(s.DiagnosisCreateSerializer, request.data))
        visit = visits_visible_to(request.user).filter(pk=data.pop("visit")).first()
        if visit is None:
            raise NotFound()
        if visit.doctor.user_id != request.user.pk:
            raise PermissionDenied(_("Only the doctor who wrote this visit note can add diagnoses."))
        diagnosis = diagnosis_add(actor=request.user, visit=visit, **data)
        return Response(self.get_serializer(diagnosis).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        diagnosis = self.get_object()
        reason = _validated(s.EnteredInErrorSerializer, {"reason": request.query_params.get("reason", "")})["reason"]
        if diagnosis.visit.doctor.user_id != request.user.pk:
            raise PermissionDenied(_("Only the doctor who wrote this visit note can change its diagnoses."))
        diagnosis = diagnosis_mark_entered_in_error(actor=request.user, diagnosis=diagnosis, reason=reason)
        return Response(self.get_serializer(diagnosis).data)


class PrescriptionViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.PrescriptionSerializer

    def get_queryset(self):
        return prescriptions_visible_to(self.request.user).prefetch_related("items")

    @extend_schema(summary="One prescription (a correction points to the version it supersedes)")
    def retrieve(self, request, pk=None):
        prescription = self.get_object()
        log_read(request, patient=prescription.patient, kind=AccessLogEntry.Kind.PRESCRIPTION,
                 object_id=prescription.pk, hospital_id=prescription.hospital_id)  # fmt: skip
        return Response(self.get_serializer(prescription).data)


class DocumentViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.DocumentSerializer

    def get_queryset(self):
        return documents_visible_to(self.request.user)

    @extend_schema(summary="A document's metadata")
    def retrieve(self, request, pk=None):
        document = self.get_object()
        log_read(request, patient=document.patient, kind=AccessLogEntry.Kind.DOCUMENT, object_id=document.pk,
                 hospital_id=document.hospital_id if request.user.is_doctor else None)  # fmt: skip
        return Response(self.get_serializer(document).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, summary="Download the file")
    @action(detail=True, url_path="download")
    def download(self, request, pk=None):
        from patients.views import _private_file_response

        document = self.get_object()
        log_read(request, patient=document.patient, kind=AccessLogEntry.Kind.DOCUMENT_FILE, object_id=document.pk)
        return _private_file_response(document.file, document.content_type, document.original_name, inline=False)


# --- doctors, specializations, hospitals, staff --------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Doctors in the directory"),
    retrieve=extend_schema(summary="One doctor"),
    partial_update=extend_schema(request=s.DoctorUpdateSerializer, summary="Update your own profile (doctor)"),
)
class DoctorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.DoctorSerializer
    filterset_class = DoctorFilter
    http_method_names = ["get", "patch", "head", "options"]
    roles = {"partial_update": (DOCTOR,)}

    def get_queryset(self):
        return doctors_listed_for(self.request.user)

    def partial_update(self, request, pk=None):
        doctor = self.get_object()
        if doctor.user_id != request.user.pk:  # the service refuses too; the API answers 403 for it
            raise PermissionDenied(_("Only the doctor can edit this profile."))
        data = _validated(s.DoctorUpdateSerializer, request.data)
        doctor = doctor_update_profile(
            actor=request.user, profile=doctor,
            qualifications=data.get("qualifications", doctor.qualifications),
            years_of_experience=data.get("years_of_experience", doctor.years_of_experience),
            bio=data.get("bio", doctor.bio),
            specializations=data.get("specializations", list(doctor.specializations.all())),
            languages=data.get("languages", list(doctor.languages.all())),
        )  # fmt: skip
        return Response(self.get_serializer(self.get_queryset().get(pk=doctor.pk)).data)

    @extend_schema(
        parameters=[s.SlotQuerySerializer], responses=s.SlotSerializer(many=True),
        summary=f"Free slots (at most {SLOT_DAYS_MAX} days per request; default the next 7 days)",
    )  # fmt: skip
    @action(detail=True, url_path="slots", pagination_class=None, filterset_class=None)
    def slots(self, request, pk=None):
        doctor = self.get_object()
        query = _validated(s.SlotQuerySerializer, request.query_params)
        hospital = None
        if "hospital" in query:
            hospital = Hospital.objects.filter(pk=query["hospital"]).first()
            if hospital is None:
                raise NotFound()
        # "Today" is the hospital's own day (the one rule, hospitals.selectors.local_today); UTC's for video.
        start = query.get("start") or local_today(hospital)
        end = query.get("end") or start + datetime.timedelta(days=6)
        if end < start or (end - start).days >= SLOT_DAYS_MAX:
            raise ValidationError({"end": [f"Choose an end on or after the start, at most {SLOT_DAYS_MAX} days."]})
        slots = available_slots(doctor=doctor, hospital=hospital, mode=query.get("mode"), start_date=start,
                                end_date=end)  # fmt: skip
        return Response(s.SlotSerializer(slots, many=True).data)


class SpecializationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    serializer_class = s.SpecializationSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    roles = {"create": (SUPER_ADMIN,), "partial_update": (SUPER_ADMIN,), "destroy": (SUPER_ADMIN,)}

    def get_queryset(self):
        return Specialization.objects.all()

    def perform_create(self, serializer):
        serializer.instance = specialization_save(actor=self.request.user, name=serializer.validated_data["name"])

    def perform_update(self, serializer):
        serializer.instance = specialization_save(
            actor=self.request.user, specialization=serializer.instance,
            name=serializer.validated_data.get("name", serializer.instance.name),
        )  # fmt: skip

    def destroy(self, request, pk=None):
        specialization_delete(actor=request.user, specialization=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class HospitalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.HospitalSerializer

    def get_queryset(self):
        return approved_hospitals()

    @extend_schema(responses=s.DepartmentSerializer(many=True), summary="The hospital's open departments")
    @action(detail=True, url_path="departments")
    def departments(self, request, pk=None):
        hospital = self.get_object()
        return self.paged(hospital.departments.filter(is_active=True), s.DepartmentSerializer)

    @extend_schema(responses=s.AffiliationSerializer(many=True), summary="Doctors working at the hospital")
    @action(detail=True, url_path="doctors")
    def doctors(self, request, pk=None):
        hospital = self.get_object()
        queryset = Affiliation.objects.filter(hospital=hospital, is_active=True).select_related(
            "hospital", "department"
        )
        return self.paged(queryset, s.AffiliationSerializer)

    @extend_schema(request=s.AffiliationCreateSerializer, responses={201: s.AffiliationSerializer},
                   summary="Add a registered doctor to your hospital (its admin)")  # fmt: skip
    @doctors.mapping.post
    def add_doctor(self, request, pk=None):
        hospital = self._administered()
        data = _validated(s.AffiliationCreateSerializer, request.data)
        doctor = DoctorProfile.objects.select_related("user").filter(pk=data["doctor"]).first()
        department = hospital.departments.filter(pk=data["department"]).first() if data["department"] else None
        if doctor is None or (data["department"] and department is None):
            raise NotFound()
        affiliation = affiliation_create(actor=request.user, doctor=doctor, hospital=hospital, department=department,
                                         consultation_fee=data["consultation_fee"])  # fmt: skip
        return Response(s.AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("cancel_future_appointments", bool, description="Cancel booked visits too")],
        responses={200: s.AffiliationSerializer}, summary="Remove a doctor from your hospital (its admin)",
    )  # fmt: skip
    @action(detail=True, methods=["delete"], url_path=r"doctors/(?P<doctor_pk>[0-9]+)")
    def remove_doctor(self, request, pk=None, doctor_pk=None):
        hospital = self._administered()
        affiliation = Affiliation.objects.filter(hospital=hospital, doctor__pk=_pk(doctor_pk), is_active=True).first()
        if affiliation is None:
            raise NotFound()
        cancel = request.query_params.get("cancel_future_appointments", "").lower() in ("1", "true", "yes")
        affiliation = affiliation_end(actor=request.user, affiliation=affiliation, cancel_future_appointments=cancel,
                                      reason="Removed by the hospital")  # fmt: skip
        return Response(s.AffiliationSerializer(affiliation).data)

    def _administered(self) -> Hospital:
        hospital = Hospital.objects.filter(pk=_pk(self.kwargs["pk"])).first()
        if hospital is None:
            raise NotFound()
        if not is_admin_of(self.request.user, hospital):
            raise PermissionDenied(_("Only this hospital's administrator can do that."))
        return hospital


@extend_schema_view(create=extend_schema(request=s.StaffCreateSerializer, summary="Add a staff account"))
class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Staff of the admin's own hospital. DELETE deactivates the account (the membership row stays)."""

    serializer_class = s.StaffSerializer
    queryset = HospitalMembership.objects.none()  # for the schema only
    roles = dict.fromkeys(("list", "retrieve", "create", "destroy"), (HOSPITAL_ADMIN,))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HospitalMembership.objects.none()
        return staff_of(hospital_of(self.request.user, HospitalMembership.Role.ADMIN)).order_by("-pk")

    def create(self, request):
        data = _validated(s.StaffCreateSerializer, request.data)
        hospital = membership_of(request.user, HospitalMembership.Role.ADMIN).hospital
        membership = staff_create(actor=request.user, hospital=hospital, base_url=request.build_absolute_uri("/"),
                                  **data)  # fmt: skip
        return Response(s.StaffSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Deactivate a staff account")
    def destroy(self, request, pk=None):
        from hospitals.services import staff_deactivate

        staff_deactivate(actor=request.user, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- appointments -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Appointments you can see"),
    retrieve=extend_schema(summary="One appointment"),
    create=extend_schema(request=s.BookSerializer, summary="Book a free slot (patient for themself, or the desk)"),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilter
    roles = {"create": (PATIENT, HOSPITAL_ADMIN, STAFF, SUPER_ADMIN)}

    def get_queryset(self):
        return appointments_visible_to(self.request.user)

    def create(self, request):
        data = _validated(s.BookSerializer, request.data)
        if request.user.role == PATIENT:
            patient = PatientProfile.objects.select_related("user").filter(user=request.user).first()
            if "patient" in data and (patient is None or data["patient"] != patient.pk):
                raise NotFound()
        else:
            patient = PatientProfile.objects.select_related("user").filter(pk=data.get("patient", 0)).first()
        doctor = DoctorProfile.objects.select_related("user").filter(pk=data["doctor"]).first()
        hospital = Hospital.objects.filter(pk=data["hospital"]).first()
        if patient is None or doctor is None or hospital is None:
            raise NotFound()
        appointment = appointment_book(actor=request.user, patient=patient, doctor=doctor, hospital=hospital,
                                       start_at=data["start_at"], mode=data["mode"], reason=data["reason"])  # fmt: skip
        return Response(self.get_serializer(self.get_queryset().get(pk=appointment.pk)).data, status=201)

    @extend_schema(request=s.RescheduleSerializer, responses=s.AppointmentSerializer, summary="Move to another slot")
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        appointment = self.get_object()
        data = _validated(s.RescheduleSerializer, request.data)
        hospital = None
        if "hospital" in data:
            hospital = Hospital.objects.filter(pk=data["hospital"]).first()
            if hospital is None:
                raise NotFound()
        moved = appointment_reschedule(actor=request.user, appointment=appointment, start_at=data["start_at"],
                                       hospital=hospital, mode=data.get("mode"))  # fmt: skip
        return Response(self.get_serializer(self.get_queryset().get(pk=moved.pk)).data)

    @extend_schema(request=s.CancelSerializer, responses=s.AppointmentSerializer, summary="Cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        data = _validated(s.CancelSerializer, request.data)
        cancelled = appointment_cancel(actor=request.user, appointment=appointment, reason=data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=cancelled.pk)).data)


# --- notifications ------------------------------------------------------------------------------------


class NotificationViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()  # for the schema only

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notifications_of(self.request.user)

    @extend_schema(request=None, responses=s.NotificationSerializer, summary="Mark one notification read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(actor=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
        summary="Mark all notifications read",
    )  # fmt: skip
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_all_read(actor=request.user)})


# --- billing (read, and a pay link) -------------------------------------------------------------------


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The patient's own issued bills; a hospital's billing staff and admin see their hospital's."""

    serializer_class = s.InvoiceSerializer
    queryset = Invoice.objects.none()  # for the schema only

    def get_queryset(self):
        return invoices_visible_to(self.request.user).prefetch_related("lines")

    @extend_schema(request=None, responses=s.PayLinkSerializer, summary="A pay link for what the patient owes")
    @action(detail=True, methods=["post"], url_path="pay-link")
    def pay_link(self, request, pk=None):
        from django.conf import settings

        invoice = self.get_object()
        if invoice.status != Invoice.Status.ISSUED or invoice.patient_balance <= 0:
            raise ValidationError({"non_field_errors": [_("Nothing is left to pay on this invoice.")]})
        url = request.build_absolute_uri(reverse("billing:pay_link", args=[pay_link_token(invoice)]))
        return Response({"pay_url": url, "expires_in_days": settings.PAY_LINK_MAX_AGE_DAYS})


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.PaymentSerializer
    queryset = Payment.objects.none()  # for the schema only

    def get_queryset(self):
        return payments_visible_to(self.request.user)
