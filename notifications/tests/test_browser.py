"""Two people, two browsers: the doctor's open dashboard hears about a booking without a reload,
and the patient sees the doctor come online (and go offline) live."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from appointments.models import Appointment, ScheduleRange, WeeklySchedule

pytestmark = pytest.mark.browser

# Live updates get a generous limit: the CI machine is shared and sometimes very busy.
LIVE = 15_000


def test_doctor_hears_of_a_booking_live_and_patient_sees_doctor_online(
    live_url, new_page, browser_login, doctor, patient, hospital
):
    schedule = WeeklySchedule.objects.create(doctor=doctor, hospital=hospital, valid_from=datetime.date(2000, 1, 1))
    for weekday in range(7):
        ScheduleRange.objects.create(
            schedule=schedule, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )

    # The patient finds the doctor: offline for now.
    patient_page = new_page()
    browser_login(patient_page, patient.user.email)
    patient_page.get_by_role("navigation").get_by_role("link", name="Find a doctor").click()
    patient_page.get_by_role("link", name="View profile of Dr Asha Rao").click()
    badge = patient_page.locator(f"[data-presence-doctor='{doctor.pk}']")
    expect(badge).to_have_text(re.compile("Offline"), timeout=LIVE)
    expect(patient_page.locator("body[data-presence-live='1']")).to_be_attached(timeout=LIVE)

    # The doctor opens their dashboard in another browser.
    doctor_page = new_page()
    browser_login(doctor_page, doctor.user.email)
    expect(doctor_page.get_by_role("heading", name="Dr Asha Rao")).to_be_visible()
    bell = doctor_page.get_by_role("link", name=re.compile(r"^Notifications, \d+ unread"))
    expect(bell).to_have_accessible_name("Notifications, 0 unread")
    expect(doctor_page.locator("#notification-bell[data-live='1']")).to_be_attached(timeout=LIVE)

    # The patient's page shows the doctor online, without a reload.
    expect(badge).to_have_text(re.compile("Online"), timeout=LIVE)

    # The patient books a slot.
    patient_page.get_by_role("link", name="Book").first.click()
    patient_page.get_by_text(re.compile(r"^\d\d:\d\d$")).first.click()
    patient_page.get_by_role("button", name="Book appointment").click()
    expect(patient_page.get_by_text(re.compile("booked|confirmed", re.I)).first).to_be_visible()

    # The doctor's open dashboard hears of it: bell count and a toast, no reload.
    expect(bell).to_have_accessible_name("Notifications, 1 unread", timeout=LIVE)
    expect(bell.locator("[data-unread-count]")).to_have_text("1")
    toast = doctor_page.locator(".toast").filter(has_text="New appointment")
    expect(toast).to_be_visible(timeout=LIVE)
    expect(toast).to_contain_text("Pat Kumar")
    expect(toast).to_contain_text("Asia/Kolkata")

    # The bell opens the list; the item links to the appointment and can be marked read.
    bell.click()
    expect(doctor_page.get_by_role("heading", name="Notifications")).to_be_visible()
    appointment = Appointment.objects.get(patient=patient, doctor=doctor)
    item = doctor_page.get_by_role("link", name=re.compile("Appointment booked"))
    expect(item).to_have_attribute("href", reverse("appointments:detail", args=[appointment.pk]))
    doctor_page.get_by_role("button", name=re.compile("Mark .*Appointment booked.* as read")).click()
    expect(doctor_page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()

    # Back on the doctor's page, the patient sees the doctor go offline when the doctor closes the tab.
    patient_page.get_by_role("navigation").get_by_role("link", name="Find a doctor").click()
    patient_page.get_by_role("link", name="View profile of Dr Asha Rao").click()
    expect(badge).to_have_text(re.compile("Online"), timeout=LIVE)
    expect(patient_page.locator("body[data-presence-live='1']")).to_be_attached(timeout=LIVE)
    doctor_page.context.close()
    # Normally the closed socket takes the doctor offline at once. The guarantee is weaker: if the server never
    # sees the close (a crashed browser, or rarely a busy CI machine), the tab's entry expires after
    # PRESENCE_TTL_SECONDS and the next heartbeat sweep pushes "offline" — so wait up to that bound.
    offline_bound_ms = (settings.PRESENCE_TTL_SECONDS + 2 * settings.PRESENCE_HEARTBEAT_SECONDS) * 1000
    expect(badge).to_have_text(re.compile("Offline"), timeout=offline_bound_ms)


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
