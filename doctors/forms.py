from django import forms

from doctors.images import PhotoError, reencode_photo
from doctors.models import DoctorProfile, Language, Specialization
from hms.inputs import IdsModelMultipleChoiceField
from hospitals.models import Department, Hospital


class DirectoryFilterForm(forms.Form):
    """GET filters of the public directory. Any field that does not validate is simply not applied.

    The choice lists are loaded once each (three queries) and validated in memory, so the page's query
    count does not depend on which filters are used."""

    q = forms.CharField(label="Search by name", required=False, max_length=100)
    specialization = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    hospital = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    city = forms.ChoiceField(required=False)
    language = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hospitals = list(Hospital.objects.filter(status=Hospital.Status.APPROVED).only("pk", "name", "city"))
        cities = sorted({h.city for h in hospitals})
        self.fields["specialization"].choices = [
            ("", "Any specialization"),
            *list(Specialization.objects.values_list("pk", "name")),
        ]
        self.fields["hospital"].choices = [("", "Any hospital")] + [(h.pk, h.name) for h in hospitals]
        self.fields["city"].choices = [("", "Any city")] + [(c, c) for c in cities]
        self.fields["language"].choices = [("", "Any language"), *list(Language.objects.values_list("pk", "name"))]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q") or "",
            "specialization": data.get("specialization"),
            "hospital": data.get("hospital"),
            "city": data.get("city") or "",
            "language": data.get("language"),
        }


class PhotoField(forms.FileField):
    """Accepts only what Pillow can decode; hands back a re-encoded 400px JPEG."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        try:
            return reencode_photo(upload)
        except PhotoError as error:
            raise forms.ValidationError(str(error)) from error


class DoctorProfileForm(forms.Form):
    specializations = IdsModelMultipleChoiceField(
        queryset=Specialization.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    qualifications = forms.CharField(max_length=300, required=False, help_text="e.g. MBBS, MD (Cardiology)")
    years_of_experience = forms.IntegerField(min_value=0, max_value=70)
    languages = IdsModelMultipleChoiceField(
        queryset=Language.objects.all(), widget=forms.CheckboxSelectMultiple, required=False,
        label="Languages you consult in",
    )  # fmt: skip
    bio = forms.CharField(label="Short bio", widget=forms.Textarea(attrs={"rows": 4}), max_length=1500, required=False)
    photo = PhotoField(
        label="Profile photo", required=False, help_text="JPEG, PNG or WebP, up to 5 MB. It is cropped to a square.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )  # fmt: skip
    remove_photo = forms.BooleanField(label="Remove my current photo", required=False)

    @classmethod
    def for_profile(cls, profile: DoctorProfile, *args, **kwargs):
        initial = {
            "specializations": list(profile.specializations.all()),
            "qualifications": profile.qualifications,
            "years_of_experience": profile.years_of_experience,
            "languages": list(profile.languages.all()),
            "bio": profile.bio,
        }
        return cls(*args, initial=initial, **kwargs)


class LinkHospitalForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="Department", empty_label="Choose hospital and department"
    )
    consultation_fee = forms.DecimalField(label="Consultation fee", min_value=0, max_digits=10, decimal_places=2)

    def __init__(self, *args, exclude_hospital_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (
            Department.objects.filter(is_active=True, hospital__status=Hospital.Status.APPROVED)
            .exclude(hospital_id__in=exclude_hospital_ids)
            .select_related("hospital")
            .order_by("hospital__name", "name")
        )
        self.fields["department"].label_from_instance = lambda d: f"{d.hospital.name} ({d.hospital.city}) · {d.name}"


class FeeForm(forms.Form):
    consultation_fee = forms.DecimalField(label="Consultation fee", min_value=0, max_digits=10, decimal_places=2)


class LeaveForm(forms.Form):
    cancel_future_appointments = forms.BooleanField(
        required=False, label="Cancel these appointments and notify each patient"
    )
    reason = forms.CharField(label="Message to patients (optional)", max_length=250, required=False)
