"""Prescription PDF: an HTML template rendered by WeasyPrint (no network: only local fonts and inline CSS)."""

from django.conf import settings
from django.template.loader import render_to_string

from prescriptions.models import Prescription


def prescription_pdf(prescription: Prescription) -> bytes:
    from weasyprint import HTML

    hospital = prescription.hospital
    issued_at = prescription.issued_at or prescription.created_at
    html = render_to_string(
        "prescriptions/prescription_pdf.html",
        {
            "prescription": prescription,
            "hospital": hospital,
            "doctor": prescription.doctor,
            "patient": prescription.patient,
            "items": list(prescription.items.all()),
            "diagnoses": list(prescription.visit.diagnoses.all()),
            "issued_at": issued_at,
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
