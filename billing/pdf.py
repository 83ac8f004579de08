"""Receipt and credit-note PDFs (WeasyPrint; local fonts and inline CSS only, no network)."""

from django.conf import settings
from django.template.loader import render_to_string

from billing.models import CreditNote, Payment
from billing.services import tax_summary


def _render(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context), base_url=str(settings.BASE_DIR)).write_pdf()


def receipt_pdf(payment: Payment) -> bytes:
    invoice = payment.invoice
    lines = list(invoice.lines.all())
    return _render("billing/receipt_pdf.html", {
        "payment": payment, "invoice": invoice, "hospital": invoice.hospital, "patient": invoice.patient,
        "lines": lines, "taxes": tax_summary(lines), "tz": invoice.hospital.time_zone,
    })  # fmt: skip


def credit_note_pdf(note: CreditNote) -> bytes:
    invoice = note.invoice
    lines = list(note.lines.all())
    return _render("billing/credit_note_pdf.html", {
        "note": note, "invoice": invoice, "hospital": invoice.hospital, "patient": invoice.patient, "lines": lines,
        "taxes": tax_summary(lines), "tz": invoice.hospital.time_zone,
    })  # fmt: skip
