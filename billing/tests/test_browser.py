"""Billing journeys in the browser: a completed visit is billed, issued at the desk and paid online by the patient
through the test gateway (receipt PDF); a cashier takes a partial cash payment, prints the receipt and refunds."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from billing import services
from billing.tests.factories import PriceListItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("ledger_flushable")]


def _pdf_text(page, href: str) -> str:
    response = page.request.get(href)
    assert response.headers["content-type"] == "application/pdf"
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


@pytest.fixture
def todays_visit(doctor, hospital, patient):
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=40)
    return AppointmentFactory(doctor=doctor, hospital=hospital, patient=patient, start_at=start,
                              status=Appointment.Status.CHECKED_IN)  # fmt: skip


def test_visit_completed_billed_and_paid_online(live_url, new_page, browser_login, todays_visit, doctor, hospital,
                                                patient, cashier):  # fmt: skip
    PriceListItemFactory(hospital=hospital, code="ECG", name="Electrocardiogram", unit_price="250.00", tax_rate="18")
    page = new_page()
    browser_login(page, doctor.user.email)
    page.goto(f"{live_url}/appointments/{todays_visit.pk}/")
    page.get_by_role("link", name="Billable procedures").click()
    page.get_by_label("Procedure or service").select_option(label="ECG Electrocardiogram")
    page.get_by_role("button", name="Add to the bill").click()
    expect(page.get_by_text("Added to the visit's bill.")).to_be_visible()
    expect(page.get_by_text("₹")).to_have_count(0)  # the doctor sees no prices or payments
    page.goto(f"{live_url}/appointments/{todays_visit.pk}/")
    page.get_by_role("button", name="Mark completed").click()

    desk = new_page()
    browser_login(desk, cashier.email)
    expect(desk.get_by_role("heading", name="Cashier desk")).to_be_visible()
    desk.get_by_role("region", name="Drafts to issue").get_by_role("link", name=re.compile("Draft")).click()
    desk.get_by_role("button", name="Issue invoice").click()
    expect(desk.get_by_text("The invoice is issued.")).to_be_visible()
    expect(desk.locator("[data-balance]")).to_have_text("₹795.00")  # 500 exempt + 250 + 18 % tax

    patient_page = new_page()
    browser_login(patient_page, patient.user.email)
    patient_page.get_by_role("navigation").get_by_role("link", name="Bills").click()
    patient_page.get_by_role("button", name="Pay now").click()
    expect(patient_page.get_by_role("heading", name="Test payment page")).to_be_visible()
    assert patient_page.locator("input[type=text], input[type=number], input[type=tel]").count() == 0
    patient_page.get_by_role("button", name="Simulate failed payment").click()
    expect(patient_page.get_by_text("The payment failed. Nothing was charged.")).to_be_visible()
    patient_page.get_by_role("button", name="Try again").click()
    patient_page.get_by_role("button", name="Simulate successful payment").click()
    expect(patient_page.get_by_text(re.compile(r"Thank you: ₹795\.00 received"))).to_be_visible()
    href = patient_page.get_by_role("link", name="Receipt (PDF)").get_attribute("href")
    text = _pdf_text(patient_page, f"{live_url}{href}")
    for expected in ("City Care", "Electrocardiogram", "₹795.00", "Online", "₹0.00", patient.patient_number):
        assert expected in text, expected


def test_cashier_partial_cash_payment_receipt_and_refund(live_url, new_page, browser_login, todays_visit, cashier,
                                                          patient, complete):  # fmt: skip
    services.invoice_issue(actor=cashier, invoice=complete(todays_visit))
    page = new_page()
    browser_login(page, cashier.email)
    page.get_by_label("Opening float (cash in the drawer)").fill("100")
    page.get_by_role("button", name="Open shift").click()
    expect(page.get_by_text("Shift opened.")).to_be_visible()
    page.get_by_label(re.compile("Find a patient's invoices")).fill(patient.patient_number)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("region", name="Open invoices").get_by_role("link", name=re.compile(r"\d{6}")).click()
    page.get_by_label("Amount", exact=True).fill("200.005")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("two decimal places")).to_be_visible()
    page.get_by_label("Amount", exact=True).fill("200")
    page.get_by_label("Method").select_option("cash")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment recorded.")).to_be_visible()
    expect(page.locator("[data-balance]")).to_have_text("₹300.00")
    expect(page.get_by_text("Partly paid").first).to_be_visible()
    href = page.get_by_role("link", name="Print the receipt (PDF)").get_attribute("href")
    text = _pdf_text(page, f"{live_url}{href}")
    assert "₹200.00" in text and "₹300.00" in text and "Cara Cashier" in text and "Cash" in text

    page.get_by_text("Refund", exact=True).click()
    page.get_by_label("Refund amount").fill("250")
    page.get_by_label("Reason for the refund").fill("Test")
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_text(re.compile("You can refund at most"))).to_be_visible()
    page.get_by_text("Refund", exact=True).click()
    page.get_by_label("Refund amount").fill("50")
    page.get_by_label("Reason for the refund").fill("Charged twice for dressing")
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_text("Refund recorded.")).to_be_visible()
    expect(page.get_by_text("Refunded ₹50.00: Charged twice for dressing")).to_be_visible()
    expect(page.locator("[data-balance]")).to_have_text("₹350.00")
