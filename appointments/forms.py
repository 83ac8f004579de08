import datetime

from django import forms

from appointments.models import Appointment, ScheduleRange, TimeOff
from hms.inputs import validate_date_of_birth, validate_sensible_date


def place_value(hospital_id: int, mode: str) -> str:
    return f"{hospital_id}:{mode}"


class PlaceField(forms.ChoiceField):
    """ "Where": one hospital in person, or one hospital's video consultations, as "<hospital id>:<mode>"."""

    def clean(self, value):
        value = super().clean(value)
        hospital_id, _, mode = value.partition(":")
        return int(hospital_id), mode


def place_choices(places) -> list[tuple[str, str]]:
    labels = {Appointment.Mode.IN_PERSON: "in person", Appointment.Mode.VIDEO: "video consultation"}
    return [
        (place_value(hospital.pk, mode), f"{hospital.name}, {hospital.city} — {labels[mode]}")
        for hospital, mode in places
    ]


class SlotSearchForm(forms.Form):
    place = PlaceField(label="Where")
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = place_choices(places)


class SlotChoiceField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        try:
            moment = datetime.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("a slot time always carries its UTC offset")
            # Year 1 or 9999 with an offset overflows on conversion: also just "not a slot".
            return moment.astimezone(datetime.UTC)
        except (ValueError, OverflowError):
            raise forms.ValidationError("Choose one of the free slots.") from None


class BookingForm(forms.Form):
    place = PlaceField(label="Where")
    start_at = SlotChoiceField(label="Time", error_messages={"required": "Choose one of the free slots."})
    reason = forms.CharField(
        label="Reason for the visit", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = place_choices(places)


class RescheduleForm(forms.Form):
    place = PlaceField(label="Where")
    start_at = SlotChoiceField(label="New time", error_messages={"required": "Choose one of the free slots."})

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = place_choices(places)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300, required=False)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Rating", coerce=int, choices=[(n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]
    )
    comment = forms.CharField(
        label="Comment (optional)", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ScheduleRangeForm(forms.Form):
    hospital = forms.ChoiceField(label="Hospital")
    weekdays = forms.TypedMultipleChoiceField(
        label="Days", coerce=int, choices=ScheduleRange.WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="Until", widget=forms.TimeInput(attrs={"type": "time"}))
    mode = forms.ChoiceField(label="Kind of consultation", choices=Appointment.Mode.choices)

    def __init__(self, *args, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [(h.pk, h.name) for h in hospitals]


class ScheduleValidityForm(forms.Form):
    valid_from = forms.DateField(label="Applies from", widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label="Until (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TimeOffForm(forms.Form):
    hospital = forms.ChoiceField(label="Hospital")
    first_day = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="From",
        required=False,
        help_text="Leave both times empty for whole days.",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    end_time = forms.TimeField(label="Until", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label="Kind", choices=TimeOff.Kind.choices)
    note = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [("", "All my hospitals"), *[(h.pk, h.name) for h in hospitals]]
        self.fields["hospital"].required = False


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Patient number, e-mail, phone or name",
        min_length=3,
        max_length=100,
        help_text="A name finds patients of this hospital; anyone else by exact patient number, e-mail or phone.",
    )


class PatientRegisterForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(label="Phone", max_length=32, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_of_birth],
    )


class BookedPatientsFilterForm(forms.Form):
    q = forms.CharField(label="Search patient or doctor", max_length=100, required=False)
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_sensible_date],
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_sensible_date]
    )
