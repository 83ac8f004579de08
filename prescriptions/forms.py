from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from prescriptions.models import NOTE_FIELDS, VITAL_RANGES, PrescriptionItem, VisitNote


class VisitNoteForm(forms.ModelForm):
    amendment_reason = forms.CharField(
        label="Reason for the amendment", required=False, max_length=300,
        help_text="Shown with the previous version in the note's history.",
    )  # fmt: skip

    class Meta:
        model = VisitNote
        fields = NOTE_FIELDS
        widgets = {
            "findings": forms.Textarea(attrs={"rows": 4}),
            "plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high, unit) in VITAL_RANGES.items():
            if name in self.fields:
                field = self.fields[name]
                field.widget.attrs.update({"min": low, "max": high, "inputmode": "decimal"})
                field.help_text = f"{low} to {high} {unit}"
        if not self.instance.pk:
            del self.fields["amendment_reason"]

    def clean(self):
        cleaned = super().clean()
        systolic, diastolic = cleaned.get("bp_systolic"), cleaned.get("bp_diastolic")
        if (
            (systolic is None) != (diastolic is None)
            and not self.has_error("bp_systolic")
            and not self.has_error("bp_diastolic")
        ):
            raise ValidationError("Enter both blood pressure values (systolic and diastolic) or neither.")
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error("bp_diastolic", "Diastolic pressure must be lower than systolic pressure.")
        return cleaned

    def clean_temperature_c(self):
        value = self.cleaned_data.get("temperature_c")
        if value is not None and 86 <= value <= 113:
            raise ValidationError(f"{value} looks like °F. Enter the temperature in °C (e.g. 37.0).")
        return value


class DiagnosisForm(forms.Form):
    icd10_code = forms.CharField(
        label="ICD-10 code", required=False, max_length=10,
        help_text="Type a code or words (e.g. “I10” or “hypertension”) and pick a suggestion.",
        widget=forms.TextInput(attrs={"list": "icd10-options", "autocomplete": "off", "data-icd10-search": ""}),
    )  # fmt: skip
    description = forms.CharField(
        label="Diagnosis", required=False, max_length=300,
        help_text="Free text; filled in from the code if you leave it empty.",
        widget=forms.TextInput(attrs={"data-icd10-description": ""}),
    )  # fmt: skip
    is_primary = forms.BooleanField(label="Primary diagnosis", required=False)


class PrescriptionItemForm(forms.ModelForm):
    class Meta:
        model = PrescriptionItem
        fields = [
            "medicine_name",
            "strength",
            "form",
            "dose",
            "route",
            "frequency",
            "duration",
            "dispense_quantity",
            "instructions",
        ]
        widgets = {
            "dispense_quantity": forms.NumberInput(attrs={"min": 1, "max": 10000, "step": 1, "inputmode": "numeric"}),
            "medicine_name": forms.TextInput(
                attrs={"list": "medicine-options", "autocomplete": "off", "data-medicine-search": ""}
            ),
            "strength": forms.TextInput(attrs={"data-medicine-strength": ""}),
            "form": forms.TextInput(attrs={"data-medicine-form": ""}),
            "route": forms.TextInput(attrs={"data-medicine-route": ""}),
        }
        labels = {"dispense_quantity": _("Quantity (units)")}
        help_texts = {
            "medicine_name": "Pick from the catalogue or type a medicine that is not listed.",
            "dispense_quantity": _("Whole units the pharmacy hands out, e.g. 30 (tablets) or 1 (bottle)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispense_quantity"].required = True


class IssueForm(forms.Form):
    notes = forms.CharField(
        label="Advice to the patient", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CorrectionForm(forms.Form):
    reason = forms.CharField(label="What needs correcting?", max_length=300)
