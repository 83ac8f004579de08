"""Browser journeys: the hospital admin's report with its chart, table and both downloads; the super admin's
statistics changing live while a patient books."""

import datetime
import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import ScheduleRange, WeeklySchedule

pytestmark = pytest.mark.browser


def test_admin_changes_the_range_sees_chart_and_table_and_downloads_both_exports(live_url, page, browser_login, known):
    browser_login(page, known["admin"].email)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name=re.compile("^Reports"))).to_be_visible()
    page.get_by_label("From", exact=True).fill("2026-10-20")
    page.get_by_label("To", exact=True).fill("2026-10-26")
    page.get_by_role("button", name="Show report").click()

    chosen = page.get_by_role("region", name="Chosen filters")
    expect(chosen).to_contain_text("2026-10-20 to 2026-10-26 (Europe/Berlin)")
    expect(page.locator("[data-metric=no-show-rate]")).to_have_text("20.0%")
    expect(page.locator("[data-metric=utilisation]")).to_have_text("14.0%")
    daily = page.get_by_role("region", name="Appointments per day")
    expect(daily.get_by_role("img")).to_be_visible()  # the Chart.js canvas, labelled with the summary
    expect(daily.get_by_role("img")).to_have_attribute("aria-label", re.compile("busiest day was 20 Oct 2026 with 3"))
    daily.get_by_text("The numbers as a table").click()
    expect(daily.get_by_role("row", name=re.compile("Tue 20 Oct"))).to_contain_text("2")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").first.click()
    csv_bytes = download_info.value.path().read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b"Spree Report" in csv_bytes
    assert csv_bytes.decode("utf-8-sig").count("Dr Anna Alpha") == 7

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download XLSX").first.click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    assert "Dr Bert Beta" in archive.read("xl/sharedStrings.xml").decode()

    # Each number opens the rows behind it.
    page.get_by_role("link", name="the no-shows").click()
    expect(page.get_by_role("heading", name="The rows behind the report")).to_be_visible()
    expect(page.locator("#rows-table tbody tr")).to_have_count(1)
    expect(page.locator("#rows-table")).to_contain_text("Patient 3")


def _zone_with_time_left_today() -> str:
    """A zone where it is early enough that slots remain bookable today (lead time 60 minutes)."""
    now = timezone.now()
    for zone in ("Asia/Kolkata", "Europe/Berlin", "America/New_York", "Pacific/Honolulu", "Pacific/Kiritimati"):
        if now.astimezone(ZoneInfo(zone)).hour < 20:
            return zone
    raise AssertionError("unreachable: one of these zones is always before 20:00")


def test_platform_statistics_change_live_when_a_patient_books(
    live_url, new_page, browser_login, super_admin, patient, doctor, hospital
):
    hospital.time_zone = _zone_with_time_left_today()
    hospital.save(update_fields=["time_zone"])
    schedule = WeeklySchedule.objects.create(doctor=doctor, hospital=hospital, valid_from=datetime.date(2020, 1, 1))
    for weekday in range(7):
        ScheduleRange.objects.create(
            schedule=schedule, weekday=weekday, start_time=datetime.time(0, 0), end_time=datetime.time(23, 30)
        )
    today = timezone.now().astimezone(ZoneInfo(hospital.time_zone)).date()

    admin_page = new_page()
    browser_login(admin_page, super_admin.email)
    admin_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Statistics").click()
    today_count = admin_page.locator("[data-stat=appointments-today]")
    expect(today_count).to_have_text("0")
    admin_page.wait_for_timeout(500)  # the notification socket connects after load

    patient_page = new_page()
    browser_login(patient_page, patient.user.email)
    patient_page.goto(f"{live_url}/appointments/book/{doctor.pk}/?date={today.isoformat()}")
    slots = patient_page.get_by_role("group", name=re.compile("Free slots on"))
    slots.locator("label").first.click()
    patient_page.get_by_label("Reason for the visit").fill("Check-up")
    patient_page.get_by_role("button", name="Book appointment").click()
    expect(patient_page.get_by_role("heading", name="Appointment confirmed")).to_be_visible()

    # No reload: the poke arrives over the socket and the page re-reads its numbers within 5 seconds.
    expect(today_count).to_have_text("1", timeout=5000)
    expect(admin_page.get_by_role("row", name=re.compile(hospital.name))).to_be_visible()
