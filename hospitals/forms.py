from django import forms

from accounts.forms import TIME_ZONE_CHOICES
from doctors.models import Specialization
from hospitals.models import Department, Hospital, HospitalMembership
from hospitals.services import STAFF_ROLES


class HospitalProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, label="Time zone")

    class Meta:
        model = Hospital
        fields = ["name", "city", "address", "phone", "email", "time_zone", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"description": "About the hospital"}


class DepartmentForm(forms.Form):
    name = forms.CharField(label="Department name", max_length=120)


class DoctorListFilterForm(forms.Form):
    """Filters of the hospital's doctor list; choices are loaded once and checked in memory (ids out)."""

    q = forms.CharField(label="Search by name", required=False, max_length=100)
    department = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    specialization = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "All departments"), *hospital.departments.values_list("pk", "name")]
        self.fields["specialization"].choices = [
            ("", "All specializations"),
            *Specialization.objects.values_list("pk", "name"),
        ]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q") or "",
            "department": data.get("department"),
            "specialization": data.get("specialization"),
        }


class FindDoctorForm(forms.Form):
    q = forms.CharField(
        label="Find a registered doctor", max_length=100, help_text="Name, e-mail address or registration number"
    )


class AddDoctorForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label="Department")
    consultation_fee = forms.DecimalField(label="Consultation fee", min_value=0, max_digits=10, decimal_places=2)

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = hospital.departments.filter(is_active=True)


class StaffForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(label="Phone", max_length=32, required=False)
    role = forms.ChoiceField(
        label="Role", choices=[(r.value, r.label) for r in HospitalMembership.Role if r in STAFF_ROLES]
    )
