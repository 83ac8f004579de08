import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from billing import selectors, services
from billing.models import Invoice, Payment, PaymentAttempt
from billing.tests.factories import completed_visit

pytestmark = pytest.mark.django_db


def test_patient_sees_own_bills_only(client_for, issued_invoice, patient, other_patient):
    mine = client_for(patient.user)
    response = mine.get(reverse("billing:patient_bills"))
    assert response.status_code == 200 and issued_invoice.number in response.content.decode()
    assert "₹500.00" in response.content.decode()
    assert mine.get(reverse("billing:patient_invoice", args=[issued_invoice.pk])).status_code == 200
    theirs = client_for(other_patient.user)
    assert issued_invoice.number not in theirs.get(reverse("billing:patient_bills")).content.decode()
    assert theirs.get(reverse("billing:patient_invoice", args=[issued_invoice.pk])).status_code == 404
    assert theirs.post(reverse("billing:patient_pay", args=[issued_invoice.pk])).status_code == 404


def test_drafts_are_not_shown_to_patients(client_for, visit, complete, patient):
    draft = complete(visit)
    assert client_for(patient.user).get(reverse("billing:patient_invoice", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize("who", ["doctor", "staff", "other_cashier", "other_hospital_admin", "other_patient"])
def test_others_get_403_or_404_on_invoice_and_receipt(request, client_for, issued_invoice, cashier, shift, who):
    payment = services.payment_record(actor=cashier, invoice=issued_invoice, amount="10", method="cash")
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    client = client_for(user)
    for url in (reverse("billing:invoice_detail", args=[issued_invoice.pk]),
                reverse("billing:receipt", args=[payment.pk])):  # fmt: skip
        assert client.get(url).status_code in (403, 404)
    assert client.post(reverse("billing:invoice_pay", args=[issued_invoice.pk]),
                       {"amount": "1", "method": "card"}).status_code in (403, 404)  # fmt: skip
    assert Payment.objects.count() == 1


def test_doctors_see_no_invoices_at_all(doctor, issued_invoice):
    assert not selectors.invoices_visible_to(doctor.user).exists()
    assert not selectors.payments_visible_to(doctor.user).exists()


def test_anonymous_is_sent_to_login(client, issued_invoice):
    for name, args in [("patient_bills", []), ("desk", []), ("invoice_detail", [issued_invoice.pk])]:
        response = client.get(reverse(f"billing:{name}", args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_cashier_lands_on_the_desk_and_sees_own_hospital(client_for, cashier, issued_invoice):
    client = client_for(cashier)
    assert client.get("/dashboard/")["Location"] == reverse("billing:desk")
    page = client.get(reverse("billing:desk")).content.decode()
    assert issued_invoice.number in page and "Cashier desk" in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "more than zero"), ("10.005", "two decimal"), ("abc", "amount like"), ("500.01", "more than is owed")],
)
def test_bad_payment_input_is_a_message_not_a_500(client_for, cashier, shift, issued_invoice, amount, message):
    client = client_for(cashier)
    response = client.post(reverse("billing:invoice_pay", args=[issued_invoice.pk]),
                           {"amount": amount, "method": "cash"}, follow=True)  # fmt: skip
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Payment.objects.count() == 0


def test_cashier_pays_prints_receipt_refunds(client_for, cashier, shift, issued_invoice):
    from pypdf import PdfReader

    issued_invoice.hospital.tax_id = "29ABCDE1234F1Z5"
    issued_invoice.hospital.save()
    client = client_for(cashier)
    response = client.post(reverse("billing:invoice_pay", args=[issued_invoice.pk]),
                           {"amount": "200", "method": "cash"})  # fmt: skip
    payment = Payment.objects.get()
    assert response["Location"].endswith(f"?receipt={payment.pk}")
    pdf = client.get(reverse("billing:receipt", args=[payment.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("City Care", "29ABCDE1234F1Z5", issued_invoice.patient.patient_number, issued_invoice.number,
                     "₹200.00", "Cash", "₹300.00", "Cara Cashier", "Asia/Kolkata", "Pat Kumar"):  # fmt: skip
        assert expected in text, expected
    client.post(reverse("billing:payment_refund", args=[issued_invoice.pk, payment.pk]),
                {"amount": "50", "reason": "Overcharged"})  # fmt: skip
    issued_invoice.refresh_from_db()
    assert issued_invoice.amount_refunded == Decimal("50.00")


def test_pay_link_works_without_login_and_refuses_replay_after_payment(client, issued_invoice, settings):
    settings.PAYMENT_GATEWAY = "test"
    token = selectors.pay_link_token(issued_invoice)
    url = reverse("billing:pay_link", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "₹500.00" in page.content.decode()
    response = client.post(url)
    attempt = PaymentAttempt.objects.get()
    assert response.status_code == 302 and attempt.external_id in response["Location"]
    gateway_page = client.get(response["Location"])
    assert gateway_page.status_code == 200
    done = client.post(response["Location"], {"outcome": "succeed"})
    assert done.status_code == 302
    issued_invoice.refresh_from_db()
    assert issued_invoice.payment_status == "paid"
    replay = client.get(url)
    assert "already paid" in replay.content.decode()
    client.post(url)
    assert PaymentAttempt.objects.count() == 1 and Payment.objects.count() == 1
    # Tampered links are refused.
    assert client.get(reverse("billing:pay_link", args=[token[:-2] + "xx"])).status_code == 404


def test_pay_link_expires_after_seven_days(client, issued_invoice, settings):
    token = selectors.pay_link_token(issued_invoice)
    assert selectors.invoice_from_pay_token(token, max_age_days=7) is not None
    assert selectors.invoice_from_pay_token(token, max_age_days=-1) is None


def test_failed_test_payment_can_be_retried(client_for, patient, issued_invoice):
    client = client_for(patient.user)
    first = client.post(reverse("billing:patient_pay", args=[issued_invoice.pk]))
    cancel = client.post(first["Location"], {"outcome": "fail"})
    assert "The payment failed. Nothing was charged." in client.get(cancel["Location"]).content.decode()
    assert PaymentAttempt.objects.get().status == "failed"
    second = client.post(reverse("billing:patient_pay", args=[issued_invoice.pk]))
    client.post(second["Location"], {"outcome": "succeed"})
    keys = sorted(PaymentAttempt.objects.values_list("idempotency_key", flat=True))
    assert keys == [f"invoice-{issued_invoice.pk}-attempt-1", f"invoice-{issued_invoice.pk}-attempt-2"]
    issued_invoice.refresh_from_db()
    assert issued_invoice.payment_status == "paid"


def test_test_gateway_refuses_foreign_return_addresses(client_for, patient, issued_invoice):
    client = client_for(patient.user)
    location = client.post(reverse("billing:patient_pay", args=[issued_invoice.pk]))["Location"]
    path = location.split("?")[0]
    assert client.get(path + "?success=https://evil.example/&cancel=/").status_code == 400


def test_invoice_list_query_count_is_flat(client_for, cashier, doctor, hospital, patient, complete,
                                          django_assert_max_num_queries):  # fmt: skip
    client = client_for(cashier)
    url = reverse("billing:invoice_list")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    services.invoice_issue(actor=cashier, invoice=complete(completed_visit(doctor=doctor, hospital=hospital,
                                                                           patient=patient)))  # fmt: skip
    count()  # warm-up: first-request-only lookups (cached per process/session) are not per-row costs
    one = count()
    for days in range(2, 32):
        complete(completed_visit(doctor=doctor, hospital=hospital, patient=patient, days_ago=days))
    many = count()
    assert one == many and many <= 15
    with django_assert_max_num_queries(15):
        client.get(reverse("billing:desk"))
    patient_client = client_for(patient.user)
    with django_assert_max_num_queries(15):
        patient_client.get(reverse("billing:patient_bills"))


def test_invoice_list_filters(client_for, cashier, shift, issued_invoice, doctor, hospital, patient, complete):
    services.payment_record(actor=cashier, invoice=issued_invoice, amount="100", method="cash")
    client = client_for(cashier)
    url = reverse("billing:invoice_list")
    assert issued_invoice.number in client.get(url, {"status": "partially_paid"}).content.decode()
    assert issued_invoice.number not in client.get(url, {"status": "paid"}).content.decode()
    assert issued_invoice.number in client.get(url, {"q": issued_invoice.patient.patient_number}).content.decode()
    assert client.get(url, {"date_from": "not-a-date", "status": "bogus"}).status_code == 200


def test_no_card_number_field_exists_anywhere():
    """Hosted checkout only: no model field, form field or template input collects card data."""
    card = re.compile(r"card.?(number|no|num)|cc.?num|cvc|cvv|pan\b|expiry|exp.?(month|year)", re.I)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            assert not card.search(field.name), f"{model.__name__}.{field.name}"
    roots = [Path(settings.BASE_DIR)]
    for root in roots:
        for template in root.glob("**/templates/**/*.html"):
            if ".venv" in template.parts:
                continue
            for name in re.findall(r'<input[^>]*name="([^"]+)"', template.read_text()):
                assert not card.search(name), f"{template}: {name}"
    from billing import forms as billing_forms

    for form in (billing_forms.PaymentForm(), billing_forms.RefundForm()):
        assert not any(card.search(name) for name in form.fields)


def test_admin_billing_settings_and_price_list(client_for, hospital_admin, hospital):
    client = client_for(hospital_admin)
    response = client.post(reverse("billing:admin_billing"), {
        "save_settings": "1", "settings-currency": "EUR", "settings-tax_id": "DE123456789",
        "settings-invoice_prefix": "cch", "settings-financial_year_start_month": "1"}, follow=True)  # fmt: skip
    hospital.refresh_from_db()
    assert (hospital.currency, hospital.tax_id, hospital.invoice_prefix) == ("EUR", "DE123456789", "CCH")
    response = client.post(reverse("billing:admin_billing"), {
        "add_item": "1", "item-code": "ECG", "item-name": "Electrocardiogram", "item-kind": "procedure",
        "item-unit_price": "-3", "item-tax_rate": "18", "item-is_active": "on"})  # fmt: skip
    assert response.status_code == 200 and "cannot be negative" in response.content.decode()
    client.post(reverse("billing:admin_billing"), {
        "add_item": "1", "item-code": "ECG", "item-name": "Electrocardiogram", "item-kind": "procedure",
        "item-unit_price": "25.50", "item-tax_rate": "19", "item-is_active": "on"})  # fmt: skip
    assert "€25.50" in client.get(reverse("billing:admin_billing")).content.decode()


def test_doctor_fee_pages_show_the_currency(client, doctor, hospital):
    page = client.get(reverse("doctors:detail", args=[doctor.pk])).content.decode()
    assert "₹500.00" in page


def test_auto_issue_and_payment_reminder_once(visit, complete, patient, settings):
    import datetime

    from django.utils import timezone

    from notifications.models import Notification

    invoice = complete(visit)
    later = timezone.now() + datetime.timedelta(minutes=settings.BILLING_AUTO_ISSUE_MINUTES + 1)
    assert services.invoices_issue_due(now=later) == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED and invoice.issued_by is None
    assert Notification.objects.filter(recipient=patient.user, kind="payment_due").count() == 1
    much_later = timezone.now() + datetime.timedelta(days=settings.BILLING_REMINDER_AFTER_DAYS + 1)
    assert services.payment_reminders_send_due(now=much_later) == 1
    assert services.payment_reminders_send_due(now=much_later) == 0
    assert Notification.objects.filter(recipient=patient.user, kind="payment_due").count() == 2


def test_cashier_sets_a_patients_policy_which_splits_the_next_invoice(client_for, cashier, visit, complete, patient):
    client = client_for(cashier)
    url = reverse("billing:insurance")
    client.post(url, {"add_payer": "1", "payer-name": "Star Health"})
    from billing.models import InsurancePayer, PatientInsurance

    payer = InsurancePayer.objects.get()
    form = {"set_policy": "1", "policy-patient_number": "NOPE", "policy-payer": payer.pk,
            "policy-policy_number": "SH-1", "policy-coverage_percent": "50"}  # fmt: skip
    response = client.post(url, form, follow=True)
    assert "No patient with that number" in response.content.decode()
    response = client.post(url, {"set_policy": "1", "policy-patient_number": patient.patient_number,
                                 "policy-payer": payer.pk, "policy-policy_number": "SH-1",
                                 "policy-coverage_percent": "50"}, follow=True)  # fmt: skip
    assert PatientInsurance.objects.get().coverage_percent == Decimal("50")
    invoice = services.invoice_issue(actor=cashier, invoice=complete(visit))
    assert (invoice.payer_share, invoice.patient_share) == (Decimal("250.00"), Decimal("250.00"))
    assert invoice.number in client.get(reverse("billing:payer_outstanding")).content.decode()


def test_django_admin_is_scoped_and_money_is_read_only(
    client_for, issued_invoice, other_hospital_admin, super_admin, other_patient, other_doctor, other_hospital, complete
):
    from billing.tests.factories import cashier_of

    other_cashier = cashier_of(other_hospital, "oc@example.org")
    other_invoice = services.invoice_issue(actor=other_cashier, invoice=complete(completed_visit(
        doctor=other_doctor, hospital=other_hospital, patient=other_patient)))  # fmt: skip
    root = client_for(super_admin)
    page = root.get("/django-admin/billing/invoice/").content.decode()
    assert issued_invoice.number in page and other_invoice.number in page
    other_hospital_admin.is_staff = True
    other_hospital_admin.save()
    from django.contrib.auth.models import Permission

    other_hospital_admin.user_permissions.add(*Permission.objects.filter(content_type__app_label="billing"))
    scoped = client_for(other_hospital_admin)
    page = scoped.get("/django-admin/billing/invoice/").content.decode()
    assert other_invoice.number in page and issued_invoice.number not in page
    assert scoped.get(f"/django-admin/billing/invoice/{issued_invoice.pk}/change/").status_code in (302, 404)
    entry = other_invoice.ledger.get()
    assert root.post(f"/django-admin/billing/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
