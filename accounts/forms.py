import zoneinfo

from allauth.account.forms import SignupForm
from django import forms
from django.contrib.auth import password_validation

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


class _NewAccountForm(forms.Form):
    """E-mail + password pair with the same rules allauth applies to patients."""

    email = forms.EmailField(label="E-mail")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address already exists. Log in instead.")
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        elif p1:
            candidate = User(email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or "")
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class DoctorSignupForm(_NewAccountForm):
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


class HospitalSignupForm(_NewAccountForm):
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
