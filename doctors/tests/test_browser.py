import re

import pytest
from playwright.sync_api import expect

from doctors.tests.factories import DoctorFactory, SpecializationFactory
from hospitals.tests.factories import AffiliationFactory

pytestmark = pytest.mark.browser


def test_patient_finds_a_cardiologist_and_opens_the_page(live_url, page, browser_login, patient, doctor, other_doctor):
    dermatology = SpecializationFactory(name="Dermatology", slug="dermatology")
    other_doctor.specializations.set([dermatology])
    browser_login(page, patient.user.email)

    page.get_by_role("navigation").get_by_role("link", name="Find a doctor").click()
    expect(page.get_by_role("heading", name="Find a doctor")).to_be_visible()
    expect(page.get_by_text("2 doctors found")).to_be_visible()

    page.get_by_label("Specialization").select_option(label="Cardiology")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_text("1 doctor found")).to_be_visible()
    expect(page.get_by_role("heading", name="Dr Lukas Becker")).to_have_count(0)
    page.get_by_role("link", name="View profile of Dr Asha Rao").click()

    expect(page).to_have_url(re.compile(rf"/doctors/{doctor.pk}/$"))
    expect(page.get_by_role("heading", level=1, name="Dr Asha Rao")).to_be_visible()
    expect(page.get_by_role("link", name="City Care")).to_be_visible()
    expect(page.get_by_text("Asia/Kolkata")).to_be_visible()


def test_hospital_admin_adds_a_doctor_and_sees_them_listed(
    live_url, page, browser_login, hospital_admin, hospital, department, doctor, other_doctor
):
    # A second page of search noise: only the exact doctor is added.
    AffiliationFactory(doctor=DoctorFactory(user__full_name="Lukas Other"))
    browser_login(page, hospital_admin.email)

    page.get_by_role("navigation").get_by_role("link", name="Doctors").click()
    expect(page.get_by_role("cell", name=re.compile("Dr Asha Rao"))).to_be_visible()
    expect(page.get_by_text("Dr Lukas Becker")).to_have_count(0)

    page.get_by_role("link", name="Add a doctor").click()
    page.get_by_label("Find a registered doctor").fill(other_doctor.registration_number)
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Department").select_option(label="Cardiology")
    page.get_by_label("Consultation fee").fill("650")
    page.get_by_role("button", name="Add Dr Lukas Becker").click()

    expect(page.get_by_text("Dr Lukas Becker now works at City Care.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Dr Lukas Becker"))
    expect(row).to_contain_text("Cardiology")
    expect(row).to_contain_text("650")
