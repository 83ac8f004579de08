from django import forms

from notifications.models import Notification


class PreferencesForm(forms.Form):
    """One e-mail and one SMS checkbox per kind of notification (in-app is always on)."""

    def __init__(self, *args, user, initial_choices: dict[str, dict[str, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.rows = []
        for kind, label in Notification.Kind.choices:
            email = f"email_{kind}"
            sms = f"sms_{kind}"
            self.fields[email] = forms.BooleanField(
                label=f"E-mail for {label.lower()}", required=False, initial=initial_choices[kind]["email"]
            )
            self.fields[sms] = forms.BooleanField(
                label=f"SMS for {label.lower()}",
                required=False,
                initial=initial_choices[kind]["sms"] and bool(user.phone),
                disabled=not user.phone,
            )
            self.rows.append((label, self[email], self[sms]))

    def choices(self) -> dict[str, dict[str, bool]]:
        return {
            kind: {"email": self.cleaned_data[f"email_{kind}"], "sms": self.cleaned_data[f"sms_{kind}"]}
            for kind in Notification.Kind.values
        }
