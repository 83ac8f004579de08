"""Two people, two browsers: the doctor's open dashboard hears about a booking without a reload,
and the patient sees the doctor come online (and go offline) live."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.tests.factories import AppointmentFactory
from notifications.tests.helpers import book, in_fresh_thread

pytestmark = pytest.mark.browser


def test_doctor_hears_of_a_booking_live_and_patient_sees_doctor_online(
    live_url, new_page, browser_login, doctor, patient, hospital
):
    # The patient already has a visit with this doctor, so their dashboard shows the doctor.
    AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital)

    patient_page = new_page()
    browser_login(patient_page, patient.user.email)
    badge = patient_page.get_by_role("listitem").filter(has_text="Dr Asha Rao").locator("[data-presence-doctor]")
    expect(badge).to_have_text(re.compile("Offline"))
    expect(patient_page.locator("body[data-presence-live='1']")).to_be_attached()

    doctor_page = new_page()
    browser_login(doctor_page, doctor.user.email)
    expect(doctor_page.get_by_role("heading", name="Dr Asha Rao")).to_be_visible()
    bell = doctor_page.get_by_role("link", name=re.compile(r"^Notifications, \d+ unread"))
    expect(bell).to_have_accessible_name("Notifications, 0 unread")
    expect(doctor_page.locator("#notification-bell[data-live='1']")).to_be_attached()

    # The doctor's tab opened its socket: the patient's page shows the doctor online, no reload.
    expect(badge).to_have_text(re.compile("Online"), timeout=10_000)

    # The patient books another visit (recorded and committed by the booking code path).
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    in_fresh_thread(book, patient=patient, doctor=doctor, hospital=hospital, start_at=start)

    expect(bell).to_have_accessible_name("Notifications, 1 unread", timeout=10_000)
    expect(bell.locator("[data-unread-count]")).to_have_text("1")
    toast = doctor_page.locator(".toast").filter(has_text="New appointment: Pat Kumar at")
    expect(toast).to_be_visible()

    # The bell opens the list; the item links to what it is about and can be marked read.
    bell.click()
    expect(doctor_page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(doctor_page.get_by_role("link", name=re.compile("New appointment: Pat Kumar at"))).to_have_attribute(
        "href", "/dashboard/"
    )
    doctor_page.get_by_role("button", name=re.compile("Mark .*New appointment.* as read")).click()
    expect(doctor_page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()

    # The doctor closes the tab: the patient sees them go offline.
    doctor_page.context.close()
    expect(badge).to_have_text(re.compile("Offline"), timeout=10_000)


def test_preferences_page_from_the_user_menu(live_url, page, browser_login, patient):
    browser_login(page, patient.user.email)
    page.get_by_role("button", name=re.compile("Pat")).click()
    page.get_by_role("link", name="Notification settings").click()

    expect(page.get_by_role("heading", name="Notification settings")).to_be_visible()
    page.get_by_label("E-mail for prescription issued").uncheck()
    expect(page.get_by_label("SMS for prescription issued")).to_be_disabled()
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_label("E-mail for prescription issued")).not_to_be_checked()
    expect(page.get_by_label("E-mail for new appointment")).to_be_checked()
