from django import forms

from patients.files import inspect_upload
from patients.models import MedicalBackground


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
