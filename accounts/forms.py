import zoneinfo

from allauth.account.forms import ResetPasswordForm, SignupForm
from django import forms

from accounts.models import User
from doctors.models import DoctorProfile, Specialization
from hms.inputs import IdsModelMultipleChoiceField, validate_date_of_birth
from patients.models import PatientProfile

TIME_ZONE_CHOICES = [("", "Choose a time zone")] + [(name, name) for name in sorted(zoneinfo.available_timezones())]


class PatientSignupForm(SignupForm):
    """allauth's signup form plus the few things a hospital needs to know about a new patient."""

    full_name = forms.CharField(max_length=150, label="Full name")
    phone = forms.CharField(max_length=32, required=False, label="Mobile phone")
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_date_of_birth]
    )
    sex = forms.ChoiceField(choices=PatientProfile.Sex.choices, initial=PatientProfile.Sex.UNDISCLOSED)

    field_order = ["full_name", "email", "phone", "date_of_birth", "sex", "password1", "password2"]


class DoctorSignupForm(SignupForm):
    """allauth's signup (rate limit, signals, e-mail and password rules) plus what a doctor needs.

    The account is a doctor's; it becomes bookable only once a hospital approves a joining request
    (hospitals.services.affiliation_approve), where the hospital admin checks the registration number."""

    signup_role = User.Role.DOCTOR

    full_name = forms.CharField(max_length=150, label="Full name")
    phone = forms.CharField(max_length=32, label="Phone")
    registration_number = forms.CharField(max_length=50, label="Licence / registration number")
    specializations = IdsModelMultipleChoiceField(
        queryset=Specialization.objects.all(), widget=forms.CheckboxSelectMultiple
    )

    field_order = ["full_name", "email", "phone", "registration_number", "specializations", "password1", "password2"]

    def clean_registration_number(self) -> str:
        number = self.cleaned_data["registration_number"].strip()
        if DoctorProfile.objects.filter(registration_number__iexact=number).exists():
            raise forms.ValidationError("A doctor with this registration number is already registered.")
        return number

    def create_role_records(self, request, user: User) -> None:
        from doctors.services import doctor_profile_create

        data = self.cleaned_data
        doctor_profile_create(
            user=user, registration_number=data["registration_number"], specializations=list(data["specializations"])
        )


class HospitalSignupForm(SignupForm):
    """allauth's signup plus the hospital; the hospital stays pending until the platform approves it."""

    signup_role = User.Role.HOSPITAL_ADMIN

    hospital_name = forms.CharField(max_length=200)
    city = forms.CharField(max_length=100)
    address = forms.CharField(max_length=300)
    hospital_phone = forms.CharField(max_length=32, label="Hospital phone")
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, help_text="Appointments are shown in this time zone.")
    full_name = forms.CharField(max_length=150, label="Your full name (hospital administrator)")
    phone = forms.CharField(max_length=32, required=False, label="Your phone")

    field_order = [
        "hospital_name", "city", "address", "hospital_phone", "time_zone",
        "full_name", "email", "phone", "password1", "password2",
    ]  # fmt: skip

    def create_role_records(self, request, user: User) -> None:
        from django.contrib import messages

        from hospitals.services import hospital_create_for_admin

        data = self.cleaned_data
        hospital = hospital_create_for_admin(
            admin=user, name=data["hospital_name"], city=data["city"], address=data["address"],
            phone=data["hospital_phone"], time_zone=data["time_zone"],
        )  # fmt: skip
        messages.info(request, f"{hospital.name} is registered and waiting for approval by the platform team.")


class QuietResetPasswordForm(ResetPasswordForm):
    """Password reset that answers the same for known and unknown addresses (no account enumeration);
    allauth e-mails only existing accounts. Signup still says plainly that an address is taken."""

    def clean_email(self) -> str:
        from allauth.account.adapter import get_adapter
        from allauth.account.internal.userkit import filter_users_by_email

        email = get_adapter().clean_email(self.cleaned_data["email"].lower())
        self.users = filter_users_by_email(email, is_active=True, prefer_verified=True, for_login=True)
        return self.cleaned_data["email"]
