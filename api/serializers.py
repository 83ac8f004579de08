"""Shapes of the API's JSON. Serializers only translate; every rule lives in the apps' services and selectors."""

from rest_framework import serializers

from appointments.models import Appointment
from doctors.models import DoctorProfile, Language, Specialization
from hms.inputs import EARLIEST_DATE, LATEST_DATE, MAX_DB_INT
from hospitals.models import Affiliation, Department, Hospital, HospitalMembership
from notifications.models import Notification
from patients.models import ClinicalDocument, PatientProfile
from prescriptions.models import VITAL_RANGES, Diagnosis, Prescription, PrescriptionItem, VisitNote


def IdField(**kwargs) -> serializers.IntegerField:
    """An id the database can hold: larger numbers are a 400, not an overflow deep in the driver."""
    return serializers.IntegerField(min_value=1, max_value=MAX_DB_INT, **kwargs)


class SensibleDateField(serializers.DateField):
    def to_internal_value(self, value):
        date = super().to_internal_value(value)
        if not EARLIEST_DATE <= date <= LATEST_DATE:
            raise serializers.ValidationError(f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")
        return date


class SensibleDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            raise serializers.ValidationError(f"Enter a time between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")
        return moment


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    patient_id = serializers.IntegerField(allow_null=True)
    doctor_id = serializers.IntegerField(allow_null=True)
    hospital_id = serializers.IntegerField(allow_null=True)


# --- people ----------------------------------------------------------------------------------------


class PatientSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="user.full_name")
    email = serializers.EmailField(source="user.email")
    phone = serializers.CharField(source="user.phone")

    class Meta:
        model = PatientProfile
        fields = [
            "id", "patient_number", "full_name", "email", "phone", "date_of_birth", "sex", "blood_group", "address",
            "emergency_contact",
        ]  # fmt: skip
        read_only_fields = fields


class PatientCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    date_of_birth = SensibleDateField(required=False, allow_null=True, default=None)


class PatientUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    date_of_birth = SensibleDateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=PatientProfile.Sex.choices, required=False)
    blood_group = serializers.ChoiceField(choices=PatientProfile.BloodGroup.choices, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    emergency_contact = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate_date_of_birth(self, value):
        from hms.inputs import validate_date_of_birth

        if value is not None:
            try:
                validate_date_of_birth(value)
            except Exception as error:  # django ValidationError -> DRF's
                raise serializers.ValidationError(getattr(error, "messages", [str(error)])) from error
        return value


class SpecializationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Specialization
        fields = ["id", "name", "slug"]
        read_only_fields = ["id", "slug"]
        extra_kwargs = {"name": {"max_length": 100, "validators": []}}


class AffiliationSerializer(serializers.ModelSerializer):
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Affiliation
        fields = ["id", "doctor", "hospital", "hospital_name", "department", "department_name", "consultation_fee",
                  "is_active", "started_at", "ended_at"]  # fmt: skip
        read_only_fields = fields


class DoctorSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    specializations = SpecializationSerializer(many=True, read_only=True)
    languages = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    hospitals = serializers.SerializerMethodField()

    class Meta:
        model = DoctorProfile
        fields = ["id", "full_name", "registration_number", "qualifications", "years_of_experience", "bio",
                  "specializations", "languages", "hospitals"]  # fmt: skip
        read_only_fields = fields

    def get_hospitals(self, doctor) -> list[dict]:
        return [
            {"id": a.hospital_id, "name": a.hospital.name, "department": a.department.name if a.department else None}
            for a in getattr(doctor, "listed_affiliations", [])
        ]


class DoctorUpdateSerializer(serializers.Serializer):
    qualifications = serializers.CharField(max_length=300, required=False, allow_blank=True)
    years_of_experience = serializers.IntegerField(min_value=0, max_value=80, required=False)
    bio = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    specializations = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Specialization.objects.all(), required=False, pk_field=IdField()
    )
    languages = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Language.objects.all(), required=False, pk_field=IdField()
    )


class HospitalSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True)  # optional: may be blank

    class Meta:
        model = Hospital
        fields = ["id", "name", "slug", "city", "address", "phone", "email", "time_zone", "status"]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "hospital", "name", "is_active"]
        read_only_fields = fields


class AffiliationCreateSerializer(serializers.Serializer):
    doctor = IdField()
    department = IdField(required=False, allow_null=True, default=None)
    consultation_fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)


class StaffSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = HospitalMembership
        fields = ["id", "user_id", "full_name", "email", "hospital", "role", "is_active", "created_at"]
        read_only_fields = fields


class StaffCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(
        choices=[c for c in HospitalMembership.Role.choices if c[0] != HospitalMembership.Role.ADMIN]
    )


# --- appointments ----------------------------------------------------------------------------------


class AppointmentSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.user.full_name", read_only=True)
    doctor_name = serializers.CharField(source="doctor.display_name", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    time_zone = serializers.CharField(source="hospital.time_zone", read_only=True)

    class Meta:
        model = Appointment
        fields = ["id", "patient", "patient_name", "doctor", "doctor_name", "hospital", "hospital_name", "time_zone",
                  "start_at", "end_at", "mode", "status", "reason", "created_at", "cancellation_reason"]  # fmt: skip
        read_only_fields = fields


class BookSerializer(serializers.Serializer):
    doctor = IdField()
    hospital = IdField()
    patient = IdField(required=False, help_text="The patient's id; a patient books for themself and may omit it.")
    start_at = SensibleDateTimeField(help_text="A free slot's start, with its offset (see the doctor's slots).")
    mode = serializers.ChoiceField(choices=Appointment.Mode.choices)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RescheduleSerializer(serializers.Serializer):
    start_at = SensibleDateTimeField()
    hospital = IdField(required=False)
    mode = serializers.ChoiceField(choices=Appointment.Mode.choices, required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SlotSerializer(serializers.Serializer):
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()
    hospital = serializers.IntegerField(source="hospital_id")
    mode = serializers.CharField()


class SlotQuerySerializer(serializers.Serializer):
    start = SensibleDateField(required=False)
    end = SensibleDateField(required=False)
    hospital = IdField(required=False)
    mode = serializers.ChoiceField(choices=Appointment.Mode.choices, required=False)


# --- medical records -------------------------------------------------------------------------------


class DiagnosisSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(source="visit.patient_id", read_only=True)

    class Meta:
        model = Diagnosis
        fields = ["id", "visit", "patient", "icd10_code", "description", "is_primary", "created_at",
                  "entered_in_error_at", "entered_in_error_reason"]  # fmt: skip
        read_only_fields = fields


class DiagnosisCreateSerializer(serializers.Serializer):
    visit = IdField()
    icd10_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    is_primary = serializers.BooleanField(default=False)


class EnteredInErrorSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


def _vital(name: str, decimal: bool = False):
    low, high, _unit = VITAL_RANGES[name]
    if decimal:
        return serializers.DecimalField(
            max_digits=5, decimal_places=1, min_value=low, max_value=high, required=False, allow_null=True
        )
    return serializers.IntegerField(min_value=low, max_value=high, required=False, allow_null=True)


class VisitNoteWriteSerializer(serializers.Serializer):
    chief_complaint = serializers.CharField(max_length=300, required=False, allow_blank=True)
    findings = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    bp_systolic = _vital("bp_systolic")
    bp_diastolic = _vital("bp_diastolic")
    pulse = _vital("pulse")
    temperature_c = _vital("temperature_c", decimal=True)
    weight_kg = _vital("weight_kg", decimal=True)
    height_cm = _vital("height_cm", decimal=True)
    spo2 = _vital("spo2")
    plan = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    follow_up = serializers.CharField(max_length=300, required=False, allow_blank=True)


class VisitNoteCreateSerializer(VisitNoteWriteSerializer):
    appointment = IdField()


class VisitNoteAmendSerializer(VisitNoteWriteSerializer):
    amendment_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VisitNoteSerializer(serializers.ModelSerializer):
    doctor_name = serializers.CharField(source="doctor.display_name", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    diagnoses = DiagnosisSerializer(many=True, read_only=True)

    class Meta:
        model = VisitNote
        fields = ["id", "appointment", "patient", "doctor", "doctor_name", "hospital", "hospital_name",
                  "chief_complaint", "findings", "bp_systolic", "bp_diastolic", "pulse", "temperature_c", "weight_kg",
                  "height_cm", "spo2", "plan", "follow_up", "version", "created_at", "updated_at",
                  "diagnoses"]  # fmt: skip
        read_only_fields = fields


class PrescriptionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrescriptionItem
        fields = ["medicine_name", "strength", "form", "dose", "route", "frequency", "duration", "quantity",
                  "instructions"]  # fmt: skip
        read_only_fields = fields


class PrescriptionSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    doctor_name = serializers.CharField(source="doctor.display_name", read_only=True)
    items = PrescriptionItemSerializer(many=True, read_only=True)

    class Meta:
        model = Prescription
        fields = ["id", "number", "visit", "patient", "doctor", "doctor_name", "hospital", "version", "supersedes",
                  "status", "notes", "correction_reason", "issued_at", "superseded_at", "items"]  # fmt: skip
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ClinicalDocument
        fields = ["id", "patient", "hospital", "title", "description", "kind", "content_type", "original_name",
                  "size", "modality", "body_part", "study_date", "study_description", "created_at",
                  "download_url"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        from django.urls import reverse

        return reverse("api:document-download", args=[document.pk])


# --- notifications ---------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


# --- billing (read) --------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class InvoiceSerializer(serializers.Serializer):
    """Amounts are decimal strings in the invoice's currency, never floats."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    hospital = serializers.IntegerField(source="hospital_id")
    patient = serializers.IntegerField(source="patient_id")
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True)
    status = serializers.CharField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount_paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    patient_balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    issued_at = serializers.DateTimeField(allow_null=True)
    lines = InvoiceLineSerializer(many=True, source="lines.all")


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    method = serializers.CharField()
    received_at = serializers.DateTimeField()


class PayLinkSerializer(serializers.Serializer):
    pay_url = serializers.URLField()
    expires_in_days = serializers.IntegerField()
