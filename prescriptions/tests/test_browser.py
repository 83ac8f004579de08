"""The consultation journey end to end: the doctor writes the visit and issues a prescription; the patient
finds it in their history, downloads the PDF and sees the doctor's access in "Who viewed my record"."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("access_log_flushable")]


def test_doctor_issues_prescription_and_patient_downloads_it(
    live_url, new_page, browser_login, care_appointment, doctor, patient
):
    page = new_page()
    browser_login(page, doctor.user.email)
    page.get_by_role("link", name="Open visit with Pat Kumar").click()
    expect(page.get_by_role("heading", name="Visit: Pat Kumar")).to_be_visible()

    page.get_by_label("Chief complaint").fill("Breathless on exertion")
    page.get_by_label("Examination findings").fill("Bilateral basal crepitations.")
    page.get_by_label("BP systolic (mmHg)").fill("148")
    page.get_by_label("BP diastolic (mmHg)").fill("92")
    page.get_by_label("Pulse (beats/min)").fill("96")
    page.get_by_label("Temperature (°C)").fill("37.1")
    page.get_by_label("SpO2 (%)").fill("94")
    page.get_by_label("Plan").fill("Chest X-ray, echo.")
    page.get_by_role("button", name="Save visit note").click()
    expect(page.get_by_text("Visit note saved.")).to_be_visible()
    expect(page.get_by_text("In progress", exact=True)).to_be_visible()

    # The ICD-10 field suggests codes from the shipped list as the doctor types words.
    code = page.get_by_label("ICD-10 code")
    code.fill("hypertens")
    expect(page.locator('#icd10-options option[value="I10"]')).to_be_attached()
    code.fill("I10")
    page.get_by_label("Primary diagnosis").check()
    page.get_by_role("button", name="Add diagnosis").click()
    expect(page.get_by_text("Essential (primary) hypertension")).to_be_visible()

    # Picking a catalogue suggestion fills in the strength, form and route.
    medicine = page.get_by_label(re.compile("Medicine"))
    medicine.fill("amlo")
    expect(page.locator('#medicine-options option[value="Amlodipine 5 mg tablet"]')).to_be_attached()
    medicine.fill("Amlodipine 5 mg tablet")
    expect(medicine).to_have_value("Amlodipine")
    expect(page.get_by_label("Strength")).to_have_value("5 mg")
    expect(page.get_by_label("Form", exact=True)).to_have_value("Tablet")
    page.get_by_label("Dose").fill("1 tablet")
    page.get_by_label("Frequency").fill("Once daily")
    page.get_by_label("Duration").fill("30 days")
    page.get_by_label("Quantity (units)").fill("30")
    page.get_by_role("button", name="Add medicine").click()
    expect(page.get_by_role("cell", name=re.compile("Amlodipine 5 mg"))).to_be_visible()
    page.get_by_role("button", name="Issue prescription").click()
    expect(page.get_by_role("heading", name=re.compile(r"Prescription RX\d+-v1"))).to_be_visible()
    expect(page.get_by_text("Issued", exact=True)).to_be_visible()

    patient_page = new_page()
    browser_login(patient_page, patient.user.email)
    patient_page.get_by_role("navigation").get_by_role("link", name="My history").click()
    expect(patient_page.get_by_role("heading", name="My medical history")).to_be_visible()
    expect(patient_page.get_by_text("Breathless on exertion")).to_be_visible()
    expect(patient_page.get_by_text(re.compile("Amlodipine 5 mg"))).to_be_visible()
    with patient_page.expect_download() as download_info:
        patient_page.get_by_role("link", name="Download PDF").click()
    with open(download_info.value.path(), "rb") as handle:
        pdf = PdfReader(io.BytesIO(handle.read()))
    text = pdf.pages[0].extract_text()
    assert "Amlodipine" in text and "Dr Asha Rao" in text and patient.patient_number in text

    patient_page.get_by_role("navigation").get_by_role("link", name="Who viewed my record").click()
    table = patient_page.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="Dr Asha Rao").filter(has_text="Visit note").first).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="Dr Asha Rao").filter(has_text="City Care").first).to_be_visible()
