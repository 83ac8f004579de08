import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_patient_books_reschedules_and_cancels_and_the_doctor_sees_it(
    live_url, page, new_page, browser_login, working_doctor, patient, day
):
    browser_login(page, patient.user.email)
    page.get_by_role("navigation").get_by_role("link", name="Find a doctor").click()
    page.get_by_role("link", name="Dr Asha Rao").first.click()
    expect(page.get_by_text("Next free slot:")).to_be_visible()
    page.get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", name="Book an appointment with Dr Asha Rao")).to_be_visible()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_role("button", name="Show free slots").click()
    slots = page.get_by_role("group", name=re.compile("Free slots on"))
    expect(slots).to_contain_text("Asia/Kolkata")
    slots.get_by_text("10:00", exact=True).click()
    page.get_by_label("Reason for the visit").fill("Chest pain when climbing stairs")
    page.get_by_role("button", name="Book appointment").click()

    expect(page.get_by_role("heading", name="Appointment confirmed")).to_be_visible()
    expect(page.get_by_text("10:00\u201310:30")).to_be_visible()
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    upcoming = page.get_by_role("region", name="Upcoming appointments")
    expect(upcoming).to_contain_text("10:00")
    expect(upcoming).to_contain_text("Dr Asha Rao")

    upcoming.get_by_role("link", name=re.compile("^Reschedule")).click()
    expect(page.get_by_role("heading", name="Reschedule your appointment")).to_be_visible()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_role("button", name="Show free slots").click()
    page.get_by_role("group", name=re.compile("Free slots on")).get_by_text("15:00", exact=True).click()
    page.get_by_role("button", name="Move appointment").click()
    expect(page.get_by_text("Your appointment has been moved.")).to_be_visible()
    expect(page.get_by_text("15:00\u201315:30")).to_be_visible()

    doctor_page = new_page()
    browser_login(doctor_page, working_doctor.user.email)
    doctor_page.get_by_role("navigation").get_by_role("link", name="Today").click()
    doctor_page.get_by_label("Go to date").fill(day.isoformat())
    doctor_page.get_by_role("button", name="Show day").click()
    row = doctor_page.get_by_role("row", name=re.compile("Pat Kumar"))
    expect(row).to_contain_text("15:00")
    expect(row).to_contain_text("Chest pain when climbing stairs")

    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    page.get_by_role("region", name="Upcoming appointments").get_by_role("link", name=re.compile("^Details")).click()
    page.get_by_label("Reason for cancelling").fill("Feeling better")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("The appointment has been cancelled")).to_be_visible()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_text("You have no upcoming appointments.")).to_be_visible()
    doctor_page.reload()
    expect(doctor_page.get_by_role("row", name=re.compile("Pat Kumar"))).to_contain_text("Cancelled")
