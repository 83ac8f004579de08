from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from accounts.models import User
from patients.services import patient_profile_create


class AccountAdapter(DefaultAccountAdapter):
    """allauth's own signup page registers patients; doctors and hospitals have their own pages."""

    @transaction.atomic
    def save_user(self, request, user: User, form, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.phone = data.get("phone", "")
        user.role = User.Role.PATIENT
        user.save()
        patient_profile_create(user=user, date_of_birth=data.get("date_of_birth"), sex=data.get("sex") or "undisclosed")
        return user
