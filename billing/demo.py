"""Billing demo: currencies and tax ids, price lists, a cashier, an insurance payer, and invoices for the demo's
completed visits (paid, partly paid, unpaid, insured). Idempotent: a second run finds everything in place."""

from decimal import Decimal

from accounts.demo import demo_user
from accounts.models import User
from appointments.models import Appointment
from billing import services
from billing.models import InsurancePayer, Invoice, PatientInsurance, PriceListItem
from hospitals.models import HospitalMembership

SETTINGS = {
    "city-care-bengaluru": {"currency": "INR", "tax_id": "29AABCC1234F1Z5", "invoice_prefix": "CCH",
                            "financial_year_start_month": 4},
    "spree-klinikum-berlin": {"currency": "EUR", "tax_id": "DE123456789", "invoice_prefix": "SPK",
                              "financial_year_start_month": 1},
}  # fmt: skip
PRICES = {
    "city-care-bengaluru": [
        ("ECG", "Electrocardiogram (ECG)", "procedure", "250.00", "18", False),
        ("DRS", "Wound dressing", "procedure", "150.00", "0", True),
        ("XRC", "Chest X-ray", "imaging", "600.00", "12", False),
        ("CBC", "Complete blood count", "lab", "400.00", "5", False),
    ],
    "spree-klinikum-berlin": [
        ("EKG", "Elektrokardiogramm", "procedure", "25.00", "19", False),
        ("DER", "Dermatoskopie", "procedure", "40.00", "0", True),
    ],
}


def seed(demo: dict) -> None:
    hospitals, patients = demo["hospitals"], demo["patients"]
    for slug, values in SETTINGS.items():
        hospital = hospitals[slug]
        if not hospital.tax_id:
            for field, value in values.items():
                setattr(hospital, field, value)
            hospital.save(update_fields=list(values))
        for code, name, kind, price, rate, exempt in PRICES[slug]:
            PriceListItem.objects.get_or_create(hospital=hospital, code=code, defaults={
                "name": name, "kind": kind, "unit_price": Decimal(price), "tax_rate": Decimal(rate),
                "tax_exempt": exempt})  # fmt: skip

    city = hospitals["city-care-bengaluru"]
    cashier = demo_user("cashier@example.com", "Chitra Cashier", User.Role.STAFF)
    HospitalMembership.objects.get_or_create(
        user=cashier, hospital=city, defaults={"role": HospitalMembership.Role.CASHIER}
    )
    demo["cashier"] = cashier
    payer, _ = InsurancePayer.objects.get_or_create(hospital=city, name="Star Health Insurance")
    PatientInsurance.objects.get_or_create(
        patient=patients["patient4@example.com"], payer=payer,
        defaults={"policy_number": "SHI-2026-0042", "coverage_percent": Decimal("80")},
    )  # fmt: skip

    completed = Appointment.objects.filter(status=Appointment.Status.COMPLETED).select_related("hospital")
    city_invoices = []
    for appointment in completed.order_by("start_at"):
        invoice = services.invoice_generate_for_visit(appointment=appointment, actor=appointment.doctor.user)
        if invoice.status == Invoice.Status.DRAFT:
            invoice = services.invoice_issue(actor=None, invoice=invoice)
        if appointment.hospital_id == city.pk:
            city_invoices.append(invoice)
    # The oldest City Care bill is paid, the next partly paid; the rest stay unpaid for "Pay now".
    for invoice, amount, method in zip(city_invoices, ["all", Decimal("200.00")], ["card", "upi"], strict=False):
        invoice.refresh_from_db()
        if invoice.amount_paid or invoice.patient_balance <= 0:
            continue
        services.payment_record(
            actor=cashier, invoice=invoice, amount=invoice.patient_balance if amount == "all" else amount,
            method=method, reference="DEMO",
        )  # fmt: skip
