"""Issue 10, defect 2: "Dr Dr". A doctor's name is stored without the title and shown with it once."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from accounts.names import without_doctor_title
from accounts.tests.factories import UserFactory


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Dr Vikram Mehta", "Vikram Mehta"),
        ("Dr. Vikram Mehta", "Vikram Mehta"),
        ("DR.Vikram Mehta", "Vikram Mehta"),
        ("doctor  Vikram   Mehta", "Vikram Mehta"),
        ("Dr. Dr Vikram", "Vikram"),
        ("Drew Carey", "Drew Carey"),
        ("Dr", "Dr"),
    ],
)
def test_title_is_left_out(typed, stored):
    assert without_doctor_title(typed) == stored


def test_doctor_name_is_stored_without_title_and_shown_once(client_for, doctor, hospital):
    doctor.user.full_name = "Dr. Vikram Mehta"
    doctor.user.save()
    doctor.user.refresh_from_db()
    assert doctor.user.full_name == "Vikram Mehta"
    assert doctor.display_name == "Dr Vikram Mehta"
    page = client_for(doctor.user).get(reverse("doctors:detail", args=[doctor.pk])).content.decode()
    assert "Dr Vikram Mehta" in page and "Dr Dr" not in page and "Dr. Vikram" not in page
    # The user menu shows the first name, not the title.
    dashboard = client_for(doctor.user).get(reverse("doctors:dashboard")).content.decode()
    assert 'Vikram <span class="badge' in dashboard


def test_patients_keep_their_names_as_typed(db):
    assert UserFactory(full_name="Dr Who Fan", role=User.Role.PATIENT).full_name == "Dr Who Fan"


def test_migration_strips_titles_already_stored(doctor, patient):
    User.objects.filter(pk=doctor.user.pk).update(full_name="Dr. Dr Asha Rao")
    User.objects.filter(pk=patient.user.pk).update(full_name="Dr Pat")
    migration = importlib.import_module("doctors.migrations.0003_doctor_names_without_title")
    migration.strip_titles(apps, None)
    assert User.objects.get(pk=doctor.user.pk).full_name == "Asha Rao"
    assert User.objects.get(pk=patient.user.pk).full_name == "Dr Pat"
