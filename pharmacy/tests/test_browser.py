"""The dispensary journey end to end: the doctor prescribes from the catalogue (and sees it is out of stock), the
pharmacist receives stock, dispenses part and then the rest, and the patient sees "Dispensed" and the medicine
lines on the bill."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from billing.models import Invoice
from billing.services import invoice_issue
from pharmacy.selectors import local_today

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("access_log_flushable", "ledger_flushable")]


def test_prescribe_receive_dispense_in_two_parts_and_the_patient_sees_it(
    live_url, new_page, browser_login, care_appointment, doctor, patient, pharmacist, hospital
):
    page = new_page()
    browser_login(page, doctor.user.email)
    page.get_by_role("link", name="Open visit with Pat Kumar").click()
    page.get_by_label("Chief complaint").fill("Palpitations")
    page.get_by_role("button", name="Save visit note").click()
    medicine = page.get_by_label(re.compile("Medicine"))
    medicine.fill("amlo")
    # The suggestion says whether the visit's hospital has it (nothing received yet), never what it costs.
    expect(page.locator('#medicine-options option[value="Amlodipine 5 mg tablet"]')).to_have_attribute(
        "label", "Amlodipine 5 mg tablet — out of stock here"
    )
    medicine.fill("Amlodipine 5 mg tablet")
    expect(page.get_by_label("Strength")).to_have_value("5 mg")
    page.get_by_label("Dose").fill("1 tablet")
    page.get_by_label("Frequency").fill("Once daily")
    page.get_by_label("Duration").fill("30 days")
    page.get_by_label("Quantity (units)").fill("30")
    page.get_by_role("button", name="Add medicine").click()
    expect(page.get_by_role("cell", name="Out of stock")).to_be_visible()
    page.get_by_role("button", name="Issue prescription").click()
    heading = page.get_by_role("heading", name=re.compile(r"Prescription RX\d+-v1")).inner_text()
    number = re.search(r"RX\d+-v1", heading).group()

    desk = new_page()
    browser_login(desk, pharmacist.email)
    expect(desk.get_by_role("heading", name="Dispensing queue")).to_be_visible()
    desk.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Receive stock").click()
    desk.get_by_label("Medicine").select_option(label="Amlodipine 5 mg tablet")
    desk.get_by_label("Batch number").fill("AML-77")
    desk.get_by_label("Expiry date").fill((local_today(hospital) + datetime.timedelta(days=365)).isoformat())
    desk.get_by_label("Quantity (units)").fill("100")
    desk.get_by_label("Cost price per unit").fill("1.20")
    desk.get_by_label("Sale price per unit").fill("2.50")
    desk.get_by_role("button", name="Receive").click()
    expect(desk.get_by_text("Received 100 unit(s) of Amlodipine 5 mg tablet, batch AML-77.")).to_be_visible()

    desk.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Dispensing queue").click()
    desk.get_by_role("link", name=number).click()
    units = desk.get_by_label("Units of Amlodipine to dispense now")
    expect(units).to_have_value("30")
    units.fill("10")
    desk.get_by_role("button", name="Dispense").click()
    expect(desk.get_by_role("heading", name=re.compile("Dispensing slip"))).to_be_visible()
    expect(desk.get_by_role("cell", name="AML-77", exact=False)).to_be_visible()
    desk.get_by_role("link", name=f"Back to {number}").click()
    expect(desk.get_by_text("Partly dispensed")).to_be_visible()
    expect(desk.get_by_label("Units of Amlodipine to dispense now")).to_have_value("20")
    desk.get_by_role("button", name="Dispense").click()
    desk.get_by_role("link", name=f"Back to {number}").click()
    expect(desk.get_by_text("Dispensed", exact=True)).to_be_visible()
    expect(desk.get_by_text("Prescribed 30 · given 30 · still due 0")).to_be_visible()

    # The cashier issues the visit's invoice (billing's own journey); the patient then sees the medicine lines.
    invoice = invoice_issue(
        actor=None, invoice=Invoice.objects.get(appointment=care_appointment, supplement_of__isnull=True)
    )

    patient_page = new_page()
    browser_login(patient_page, patient.user.email)
    patient_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My history").click()
    patient_page.get_by_role("link", name=f"Prescription {number}").click()
    expect(patient_page.get_by_text("Dispensed", exact=True)).to_be_visible()
    expect(patient_page.get_by_text("30 of 30 given")).to_be_visible()
    patient_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Bills").click()
    patient_page.get_by_role("link", name=invoice.number).click()
    expect(patient_page.get_by_text("Amlodipine 5 mg tablet (HSN 30049099), batch AML-77").first).to_be_visible()
