from django import forms

from patients.files import inspect_upload
from patients.models import MedicalBackground, PatientProfile


class MedicalBackgroundForm(forms.ModelForm):
    class Meta:
        model = MedicalBackground
        fields = ["allergies", "chronic_conditions", "past_surgeries", "current_medications", "family_history"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}
        labels = {"past_surgeries": "Past surgeries", "current_medications": "Current medications"}


class DocumentUploadForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="e.g. Chest X-ray, Blood test March 2026")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(
        help_text="PDF, PNG, JPEG or DICOM (.dcm).",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.dcm,.dicom"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.inspected = inspect_upload(uploaded)
        return uploaded


class PatientProfileForm(forms.ModelForm):
    phone = forms.CharField(max_length=32, required=False, label="Phone")

    class Meta:
        model = PatientProfile
        fields = ["date_of_birth", "sex", "blood_group", "address", "emergency_contact"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"emergency_contact": "Emergency contact (name and phone)"}

    field_order = ["phone", "date_of_birth", "sex", "blood_group", "address", "emergency_contact"]

    def clean_date_of_birth(self):
        import datetime

        from django.utils import timezone

        value = self.cleaned_data["date_of_birth"]
        if value and not datetime.date(1900, 1, 1) <= value <= timezone.localdate():
            raise forms.ValidationError("Enter your real date of birth.")
        return value


class ClinicalFactsForm(forms.Form):
    blood_group = forms.ChoiceField(choices=PatientProfile.BloodGroup.choices, required=False, label="Blood group")
    allergies = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Medicines, foods or materials, and what happens.",
    )  # fmt: skip
