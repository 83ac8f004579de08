"""Billing pages: patient bills and pay links, online checkout (gateway pages and webhook), cashier desk,
hospital-admin settings and price list, the doctor's billable procedures. Thin: fetch scoped, validate, call a
service, respond. Every refusal by a rule is a message; an object outside the user's scope is a 404."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import role_required
from appointments.selectors import appointments_visible_to
from billing import selectors, services
from billing.forms import (
    ClaimForm,
    CreditNoteForm,
    HospitalBillingForm,
    InvoiceFilterForm,
    PatientPolicyForm,
    PayerForm,
    PaymentForm,
    PriceListItemForm,
    ProcedureForm,
    RefundForm,
    ShiftCloseForm,
    ShiftOpenForm,
    VoidForm,
)
from billing.gateways import TestGateway, WebhookSignatureError, get_gateway
from billing.models import CashShift, Invoice, PatientInsurance, PaymentAttempt, PriceListItem
from billing.pdf import credit_note_pdf, receipt_pdf
from billing.services import BillingError
from hospitals.models import HospitalMembership
from hospitals.selectors import hospital_of

LIST_PAGE_SIZE = 25
ATTEMPT_SALT = "billing.attempt"


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- patient -------------------------------------------------------------------------------------


@role_required(User.Role.PATIENT)
def patient_bills(request):
    invoices = selectors.invoices_visible_to(request.user).order_by("-issued_at", "-id")
    page = Paginator(invoices, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/patient_bills.html", {"page": page, "invoices": page.object_list})


@role_required(User.Role.PATIENT)
def patient_invoice(request, pk: int):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    return render(request, "billing/patient_invoice.html", _invoice_context(invoice))


def _invoice_context(invoice: Invoice) -> dict:
    lines = list(invoice.lines.all())
    return {
        "invoice": invoice,
        "lines": lines,
        "taxes": services.tax_summary(lines),
        "payments": list(invoice.payments.select_related("received_by").prefetch_related("refunds")),
        "credit_notes": list(invoice.credit_notes.all()),
        "attempts": list(invoice.attempts.all()[:5]),
    }


def _checkout_urls(request, attempt_token: str) -> tuple[str, str]:
    success = request.build_absolute_uri(reverse("billing:checkout_return", args=[attempt_token]))
    cancel = request.build_absolute_uri(reverse("billing:checkout_cancel", args=[attempt_token]))
    return success, cancel


def _start_checkout(request, invoice: Invoice, actor):
    """Create the attempt and send the browser to the gateway's hosted page."""
    signer = signing.Signer(salt=ATTEMPT_SALT)
    # The return URLs carry a signed invoice id; the attempt is found by it after the gateway sends us back.
    token = signer.sign(str(invoice.pk))
    success, cancel = _checkout_urls(request, token)
    try:
        attempt = services.checkout_start(invoice=invoice, actor=actor, success_url=success, cancel_url=cancel)
    except BillingError as error:
        messages.error(request, str(error))
        return None
    return redirect(attempt.checkout_url)


@require_POST
@role_required(User.Role.PATIENT)
def patient_pay(request, pk: int):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    return _start_checkout(request, invoice, request.user) or redirect("billing:patient_invoice", pk=invoice.pk)


def pay_link(request, token: str):
    """A signed link (e-mail/SMS) that works without logging in, for 7 days; refuses once the bill is paid."""
    invoice = selectors.invoice_from_pay_token(token, max_age_days=settings.PAY_LINK_MAX_AGE_DAYS)
    if invoice is None:
        return render(request, "billing/pay_link.html", {"invalid": True}, status=404)
    if request.method == "POST" and invoice.patient_balance > 0:
        response = _start_checkout(request, invoice, request.user if request.user.is_authenticated else None)
        if response is not None:
            return response
    return render(request, "billing/pay_link.html", {"invoice": invoice, "token": token})


def _attempt_invoice(token: str) -> Invoice:
    try:
        pk = int(signing.Signer(salt=ATTEMPT_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404 from None
    return get_object_or_404(Invoice.objects.select_related("hospital", "patient__user"), pk=pk)


def checkout_return(request, token: str):
    """The gateway's success URL. Fulfilment is the same idempotent call the webhook makes; if the gateway
    still says "pending" the webhook will finish it."""
    invoice = _attempt_invoice(token)
    attempt = invoice.attempts.exclude(external_id=None).order_by("-number").first()
    if attempt is None:
        raise Http404
    if attempt.status == PaymentAttempt.Status.PENDING:
        try:
            status = get_gateway(attempt.gateway).checkout_status(attempt.external_id)
        except Exception:
            status = "pending"
        if status == "succeeded":
            services.attempt_fulfil(attempt=attempt, succeeded=True)
        attempt.refresh_from_db()
    invoice.refresh_from_db()
    return render(request, "billing/checkout_return.html", {"invoice": invoice, "attempt": attempt})


def checkout_cancel(request, token: str):
    invoice = _attempt_invoice(token)
    attempt = invoice.attempts.order_by("-number").first()
    return render(request, "billing/checkout_cancel.html", {"invoice": invoice, "attempt": attempt})


def test_gateway(request, external_id: str):
    """Our stand-in for a hosted checkout page (PAYMENT_GATEWAY=test only): no card fields, three outcomes."""
    if settings.PAYMENT_GATEWAY != "test":
        raise Http404
    attempt = get_object_or_404(
        PaymentAttempt.objects.select_related("invoice__hospital"), external_id=external_id, gateway="test"
    )
    success, cancel = request.GET.get("success", ""), request.GET.get("cancel", "")
    for url in (success, cancel):
        if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
            return HttpResponseBadRequest(_("Bad return address."))
    if request.method == "POST" and attempt.status == PaymentAttempt.Status.PENDING:
        outcome = request.POST.get("outcome")
        if outcome == "abandon":
            return redirect(cancel)
        if outcome in ("succeed", "fail"):
            _deliver_test_event(attempt, succeeded=outcome == "succeed")
            return redirect(success if outcome == "succeed" else cancel)
    return render(request, "billing/test_gateway.html", {"attempt": attempt, "query": urlencode(request.GET)})


def _deliver_test_event(attempt: PaymentAttempt, *, succeeded: bool) -> None:
    """The simulated gateway notifies us exactly as a real one would: a signed event into the webhook path."""
    import json
    import secrets

    event = {
        "id": f"evt_test_{secrets.token_hex(8)}",
        "type": "test.payment.succeeded" if succeeded else "test.payment.failed",
        "data": {"object": {"id": attempt.external_id, "metadata": {"attempt_key": attempt.idempotency_key},
                            "amount_total": int(attempt.amount * 100)}},
    }  # fmt: skip
    payload = json.dumps(event).encode()
    _receive_webhook(TestGateway(), payload, TestGateway.signature(payload))


def _receive_webhook(gateway, payload: bytes, signature: str) -> HttpResponse:
    try:
        event = gateway.parse_webhook(payload=payload, signature=signature)
    except WebhookSignatureError:
        return HttpResponseBadRequest("bad signature")
    stored, _created = services.webhook_store(
        gateway=gateway.name, event_id=event.id, type=event.type, payload=event.payload
    )
    services.webhook_process(event=stored)
    # 200 even when handling failed: the event is stored and our retry task handles it (no gateway retry storm).
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def webhook(request, gateway: str):
    if gateway not in ("stripe", "test") or (gateway == "test" and settings.PAYMENT_GATEWAY != "test"):
        raise Http404
    if len(request.body) > 256 * 1024:
        return HttpResponseBadRequest("too large")
    signature = request.headers.get("Stripe-Signature" if gateway == "stripe" else "X-Test-Signature", "")
    try:
        gw = get_gateway(gateway)
    except Exception:
        return HttpResponseBadRequest("gateway not configured")
    return _receive_webhook(gw, request.body, signature)


@role_required(User.Role.PATIENT, User.Role.STAFF, User.Role.HOSPITAL_ADMIN, User.Role.SUPER_ADMIN)
def receipt(request, pk: int):
    payment = get_object_or_404(selectors.payments_visible_to(request.user), pk=pk)
    return _pdf(receipt_pdf(payment), f"receipt-{payment.invoice.number.replace('/', '-')}-{payment.pk}.pdf")


@role_required(User.Role.PATIENT, User.Role.STAFF, User.Role.HOSPITAL_ADMIN, User.Role.SUPER_ADMIN)
def credit_note(request, pk: int):
    note = get_object_or_404(selectors.credit_notes_visible_to(request.user), pk=pk)
    return _pdf(credit_note_pdf(note), f"credit-note-{note.number.replace('/', '-')}.pdf")


# --- cashier desk --------------------------------------------------------------------------------


def _cashier_hospital(request):
    return services.cashier_hospital_of(request.user)


@role_required(User.Role.STAFF)
def desk(request):
    hospital = _cashier_hospital(request)
    shift = services.open_shift_of(request.user)
    query = request.GET.get("q", "").strip()[:100]
    open_invoices = selectors.invoice_list(
        selectors.invoices_visible_to(request.user).filter(hospital=hospital), status="open", query=query
    )[:25]
    drafts = selectors.invoice_list(
        selectors.invoices_visible_to(request.user).filter(hospital=hospital), status="draft", query=query
    )[:25]
    return render(request, "billing/desk.html", {
        "hospital": hospital, "shift": shift, "query": query, "open_invoices": open_invoices, "drafts": drafts,
        "takings": selectors.takings(hospital), "open_form": ShiftOpenForm(),
        "close_form": ShiftCloseForm(), "expected": services.shift_expected_cash(shift) if shift else None,
    })  # fmt: skip


def _billing_hospital(request):
    """Cashier or hospital admin of one hospital (lists and reports)."""
    membership = (
        HospitalMembership.objects.filter(user=request.user, is_active=True, role__in=selectors.BILLING_ROLES)
        .select_related("hospital")
        .first()
    )
    if membership is None:
        raise PermissionDenied
    return membership.hospital


@role_required(User.Role.STAFF, User.Role.HOSPITAL_ADMIN)
def invoice_list(request):
    hospital = _billing_hospital(request)
    form = InvoiceFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    invoices = selectors.invoice_list(
        selectors.invoices_visible_to(request.user).filter(hospital=hospital),
        status=filters.get("status", ""), query=filters.get("q", ""),
        date_from=filters.get("date_from"), date_to=filters.get("date_to"),
    )  # fmt: skip
    page = Paginator(invoices, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, "billing/invoice_list.html", {
        "hospital": hospital, "form": form, "page": page, "invoices": page.object_list, "query_string": query_string,
    })  # fmt: skip


@role_required(User.Role.STAFF, User.Role.HOSPITAL_ADMIN, User.Role.SUPER_ADMIN)
def invoice_detail(request, pk: int):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    is_cashier = request.user.is_superuser or services.is_cashier_of(request.user, invoice.hospital_id)
    context = _invoice_context(invoice) | {
        "is_cashier": is_cashier, "pay_form": PaymentForm(initial={"amount": invoice.patient_balance or ""}),
        "refund_form": RefundForm(), "void_form": VoidForm(), "credit_form": CreditNoteForm(),
        "claim_form": ClaimForm(initial={"status": invoice.claim_status, "reference": invoice.claim_reference}),
        "pay_link": request.build_absolute_uri(
            reverse("billing:pay_link", args=[selectors.pay_link_token(invoice)])
        ) if invoice.status == Invoice.Status.ISSUED else "",
    }  # fmt: skip
    return render(request, "billing/invoice_detail.html", context)


def _cashier_post(request, pk: int):
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    if not (request.user.is_superuser or services.is_cashier_of(request.user, invoice.hospital_id)):
        raise PermissionDenied
    return invoice


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {errors[0]}" if label else errors[0])


def _run(request, invoice, form_class, action, success: str):
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            result = action(form.cleaned_data if form is not None else {})
        except BillingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success)
            return result
    return None


@require_POST
@role_required(User.Role.STAFF, User.Role.SUPER_ADMIN)
def invoice_issue(request, pk: int):
    invoice = _cashier_post(request, pk)
    _run(request, invoice, None, lambda d: services.invoice_issue(actor=request.user, invoice=invoice),
         _("The invoice is issued."))  # fmt: skip
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@role_required(User.Role.STAFF, User.Role.SUPER_ADMIN)
def invoice_pay(request, pk: int):
    invoice = _cashier_post(request, pk)
    payment = _run(request, invoice, PaymentForm, lambda d: services.payment_record(
        actor=request.user, invoice=invoice, amount=d["amount"], method=d["method"], reference=d["reference"]),
        _("Payment recorded."))  # fmt: skip
    if payment is not None:
        return redirect(f"{reverse('billing:invoice_detail', args=[pk])}?receipt={payment.pk}")
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@role_required(User.Role.STAFF, User.Role.SUPER_ADMIN)
def payment_refund(request, pk: int, payment_pk: int):
    invoice = _cashier_post(request, pk)
    payment = get_object_or_404(invoice.payments, pk=payment_pk)
    _run(request, invoice, RefundForm, lambda d: services.refund_record(
        actor=request.user, payment=payment, amount=d["amount"], reason=d["reason"]),
        _("Refund recorded."))  # fmt: skip
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@role_required(User.Role.STAFF, User.Role.SUPER_ADMIN)
def invoice_void(request, pk: int):
    invoice = _cashier_post(request, pk)
    _run(request, invoice, VoidForm, lambda d: services.invoice_void(
        actor=request.user, invoice=invoice, reason=d["reason"]), _("The invoice is void."))  # fmt: skip
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@role_required(User.Role.STAFF, User.Role.SUPER_ADMIN)
def invoice_credit_note(request, pk: int):
    invoice = _cashier_post(request, pk)
    _run(request, invoice, CreditNoteForm, lambda d: services.credit_note_issue(
        actor=request.user, invoice=invoice, reason=d["reason"], lines=[services.CreditLine(
            description=d["description"], quantity=1, unit_price=d["amount"], tax_rate=d["tax_rate"],
            tax_exempt=d["tax_exempt"])]), _("Credit note issued."))  # fmt: skip
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@role_required(User.Role.STAFF, User.Role.SUPER_ADMIN)
def invoice_claim(request, pk: int):
    invoice = _cashier_post(request, pk)
    _run(request, invoice, ClaimForm, lambda d: services.claim_update(
        actor=request.user, invoice=invoice, status=d["status"], reference=d["reference"]),
        _("Claim status saved."))  # fmt: skip
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@role_required(User.Role.STAFF)
def shift_open(request):
    _cashier_hospital(request)
    form = ShiftOpenForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.shift_open(actor=request.user, opening_float=form.cleaned_data["opening_float"])
            messages.success(request, _("Shift opened."))
        except BillingError as error:
            messages.error(request, str(error))
    return redirect("billing:desk")


@require_POST
@role_required(User.Role.STAFF)
def shift_close(request, pk: int):
    shift = get_object_or_404(CashShift, pk=pk, cashier=request.user)
    form = ShiftCloseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("billing:desk")
    try:
        services.shift_close(actor=request.user, shift=shift, counted_cash=form.cleaned_data["counted_cash"],
                             note=form.cleaned_data["note"])  # fmt: skip
    except BillingError as error:
        messages.error(request, str(error))
        return redirect("billing:desk")
    return redirect("billing:shift_report", pk=pk)


@role_required(User.Role.STAFF, User.Role.HOSPITAL_ADMIN)
def shift_report(request, pk: int):
    hospital = _billing_hospital(request)
    shift = get_object_or_404(CashShift.objects.select_related("cashier", "hospital"), pk=pk, hospital=hospital)
    if request.user.role == User.Role.STAFF and shift.cashier_id != request.user.pk:
        raise Http404
    payments = shift.payments.select_related("invoice").order_by("received_at")
    refunds = shift.refunds.select_related("invoice").order_by("refunded_at")
    expected = shift.expected_cash if shift.closed_at else services.shift_expected_cash(shift)
    return render(request, "billing/shift_report.html", {
        "shift": shift, "payments": payments, "refunds": refunds, "expected": expected, "hospital": hospital,
    })  # fmt: skip


@role_required(User.Role.STAFF)
def insurance(request):
    """Cashier: payers of the hospital and patients' policies (coverage percent or co-pay)."""
    hospital = _cashier_hospital(request)
    payer_form = PayerForm(request.POST if "add_payer" in request.POST else None, prefix="payer")
    policy_form = PatientPolicyForm(request.POST if "set_policy" in request.POST else None, hospital=hospital,
                                    prefix="policy")  # fmt: skip
    if request.method == "POST":
        try:
            if "add_payer" in request.POST and payer_form.is_valid():
                services.payer_create(actor=request.user, name=payer_form.cleaned_data["name"])
                messages.success(request, _("Payer added."))
                return redirect("billing:insurance")
            if "set_policy" in request.POST and policy_form.is_valid():
                data = policy_form.cleaned_data
                services.patient_policy_set(
                    actor=request.user, patient_number=data["patient_number"], payer=data["payer"],
                    policy_number=data["policy_number"], coverage_percent=data["coverage_percent"],
                    copay_amount=data["copay_amount"],
                )  # fmt: skip
                messages.success(request, _("Policy saved; it applies to invoices issued from now on."))
                return redirect("billing:insurance")
        except BillingError as error:
            messages.error(request, str(error))
    policies = (
        PatientInsurance.objects.filter(payer__hospital=hospital, is_active=True)
        .select_related("payer", "patient__user")
        .order_by("patient__user__full_name")[:100]
    )
    return render(request, "billing/insurance.html", {
        "hospital": hospital, "payer_form": payer_form, "policy_form": policy_form, "policies": policies,
        "payers": hospital.insurance_payers.filter(is_active=True),
    })  # fmt: skip


@role_required(User.Role.STAFF, User.Role.HOSPITAL_ADMIN)
def payer_outstanding(request):
    hospital = _billing_hospital(request)
    page = Paginator(selectors.payer_outstanding(hospital), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/payer_outstanding.html", {"hospital": hospital, "page": page})


# --- hospital admin ------------------------------------------------------------------------------


@role_required(User.Role.HOSPITAL_ADMIN)
def admin_billing(request):
    hospital = hospital_of(request.user, HospitalMembership.Role.ADMIN)
    settings_form = HospitalBillingForm(request.POST if "save_settings" in request.POST else None, instance=hospital,
                                        prefix="settings")  # fmt: skip
    item_form = PriceListItemForm(request.POST if "add_item" in request.POST else None, prefix="item")
    if request.method == "POST":
        if "save_settings" in request.POST and settings_form.is_valid():
            services.hospital_billing_update(actor=request.user, hospital=hospital, data=settings_form.cleaned_data)
            messages.success(request, _("Billing settings saved."))
            return redirect("billing:admin_billing")
        if "add_item" in request.POST and item_form.is_valid():
            try:
                services.price_item_save(actor=request.user, hospital=hospital, data=item_form.cleaned_data)
            except BillingError as error:
                item_form.add_error("code", str(error))
            else:
                messages.success(request, _("Price list item added."))
                return redirect("billing:admin_billing")
    return render(request, "billing/admin_billing.html", {
        "hospital": hospital, "settings_form": settings_form, "item_form": item_form,
        "items": PriceListItem.objects.filter(hospital=hospital).order_by("-is_active", "name"),
        "takings": selectors.takings(hospital),
    })  # fmt: skip


@role_required(User.Role.HOSPITAL_ADMIN)
def price_item_edit(request, pk: int):
    hospital = hospital_of(request.user, HospitalMembership.Role.ADMIN)
    item = get_object_or_404(PriceListItem, pk=pk, hospital=hospital)
    form = PriceListItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.price_item_save(actor=request.user, hospital=hospital, data=form.cleaned_data, item=item)
        except BillingError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, _("Price list item saved."))
            return redirect("billing:admin_billing")
    return render(request, "billing/price_item_edit.html", {"form": form, "item": item})


# --- doctor --------------------------------------------------------------------------------------


@role_required(User.Role.DOCTOR)
def visit_procedures(request, appointment_pk: int):
    """The doctor adds billable procedures to their visit. No prices or payments are shown here."""
    appointment = get_object_or_404(
        appointments_visible_to(request.user).filter(doctor__user=request.user), pk=appointment_pk
    )
    form = ProcedureForm(request.POST or None, hospital=appointment.hospital)
    if request.method == "POST" and form.is_valid():
        try:
            services.invoice_add_procedure(
                actor=request.user, appointment=appointment, price_item=form.cleaned_data["item"],
                quantity=form.cleaned_data["quantity"],
            )  # fmt: skip
        except BillingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Added to the visit's bill."))
            return redirect("billing:visit_procedures", appointment_pk=appointment.pk)
    lines = (
        appointment.invoices.filter(lines__kind__in=["procedure", "service"])
        .values("lines__description", "lines__quantity", "status")
        .order_by("lines__id")
    )
    return render(request, "billing/visit_procedures.html", {"appointment": appointment, "form": form,
                                                             "lines": lines})  # fmt: skip
