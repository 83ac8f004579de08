from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import role_required
from hms.inputs import parse_id
from patients.models import AccessLogEntry, PatientProfile
from patients.selectors import clinical_record_visible_to, medical_background_of
from patients.services import log_clinical_read
from pharmacy.selectors import in_stock_product_ids, prescription_progress, search_products
from prescriptions.catalogue import search_icd10
from prescriptions.forms import CorrectionForm, DiagnosisForm, IssueForm, PrescriptionItemForm, VisitNoteForm
from prescriptions.models import Prescription, PrescriptionItem, VisitNote
from prescriptions.pdf import prescription_pdf
from prescriptions.selectors import (
    VISIT_OPEN_STATUSES,
    prescription_versions,
    prescriptions_visible_to,
    visit_appointments_of,
    visits_visible_to,
)
from prescriptions.services import (
    ClinicalError,
    diagnosis_add,
    prescription_correct,
    prescription_draft_for,
    prescription_issue,
    prescription_item_add,
    prescription_item_remove,
    visit_note_save,
)


def _visit_context(request, appointment, **forms) -> dict:
    """Everything the visit page shows. Every rendering of it (first display or redisplay after a refused form)
    reads the patient's clinical data, so the access-log row is written here, in the one place."""
    note = VisitNote.objects.filter(appointment=appointment).first()
    patient = appointment.patient
    # The patient's summary and earlier visits only where the record is open to this doctor (issue 11).
    record_open = clinical_record_visible_to(request.user, patient)
    log_clinical_read(
        request, patient=patient, kind=AccessLogEntry.Kind.VISIT, object_id=note.pk if note else None,
        hospital_id=appointment.hospital_id,
    )  # fmt: skip
    last_visits = (
        VisitNote.objects.filter(patient=patient)
        .exclude(appointment=appointment)
        .select_related("doctor__user", "hospital", "appointment")
        .prefetch_related("diagnoses")
        .order_by("-appointment__start_at")[:3]
        if record_open
        else VisitNote.objects.none()
    )
    context = {
        "appointment": appointment,
        "patient": patient,
        "background": medical_background_of(patient) if record_open else None,
        "record_open": record_open,
        "last_visits": last_visits,
        "note": note,
        "can_write": appointment.status in VISIT_OPEN_STATUSES,
        "note_form": forms.get("note_form") or VisitNoteForm(instance=note),
        "diagnosis_form": forms.get("diagnosis_form") or DiagnosisForm(),
        "item_form": forms.get("item_form") or PrescriptionItemForm(initial={"route": "Oral"}),
        "issue_form": forms.get("issue_form") or IssueForm(),
        "hospital_tz": appointment.hospital.tz,
        "blood_groups": PatientProfile.BloodGroup.choices,
    }
    if note is not None:
        context["diagnoses"] = note.diagnoses.all()
        context["prescriptions"] = (
            note.prescriptions.select_related("issued_by").prefetch_related("items").order_by("-version", "-id")
        )
        context["draft"] = next((p for p in context["prescriptions"] if p.status == Prescription.Status.DRAFT), None)
        context["has_issued"] = any(p.status != Prescription.Status.DRAFT for p in context["prescriptions"])
        if context["draft"] is not None:
            items = list(context["draft"].items.all())
            in_stock = in_stock_product_ids(appointment.hospital, {i.product_id for i in items if i.product_id})
            for item in items:
                item.in_stock = item.product_id in in_stock if item.product_id else None
            context["draft_items"] = items
    return context


def _appointment_for_visit(request, pk: int):
    return get_object_or_404(visit_appointments_of(request.user).exclude(status="cancelled"), pk=pk)


@login_required
def visit(request, pk: int):
    """The doctor's consultation page for one of their appointments: summary, note, diagnoses, prescription."""
    appointment = _appointment_for_visit(request, pk)
    note_form = None
    if request.method == "POST":
        note = VisitNote.objects.filter(appointment=appointment).first()
        note_form = VisitNoteForm(request.POST, instance=note)
        if note_form.is_valid():
            data = {name: note_form.cleaned_data[name] for name in note_form.Meta.fields}
            try:
                visit_note_save(
                    actor=request.user, appointment=appointment, data=data,
                    amendment_reason=note_form.cleaned_data.get("amendment_reason", ""),
                )  # fmt: skip
            except ClinicalError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "Visit note saved.")
                return redirect("prescriptions:visit", pk=appointment.pk)
        appointment.refresh_from_db()
    status = 400 if note_form is not None and note_form.errors else 200
    return render(
        request, "prescriptions/visit.html", _visit_context(request, appointment, note_form=note_form), status=status
    )


def _own_note(request, pk: int) -> VisitNote:
    appointment = _appointment_for_visit(request, pk)
    note = VisitNote.objects.filter(appointment=appointment).select_related("doctor").first()
    if note is None:
        raise ClinicalError("Write and save the visit note first.")
    return note


@require_POST
@login_required
def diagnosis_create(request, pk: int):
    appointment = _appointment_for_visit(request, pk)
    form = DiagnosisForm(request.POST)
    try:
        note = _own_note(request, pk)
        if not form.is_valid():
            raise ClinicalError("Check the diagnosis fields.")
        diagnosis_add(actor=request.user, visit=note, **form.cleaned_data)
    except ClinicalError as error:
        messages.error(request, str(error))
        return render(
            request, "prescriptions/visit.html", _visit_context(request, appointment, diagnosis_form=form), status=400
        )
    messages.success(request, "Diagnosis added.")
    return redirect(f"{appointment_visit_url(appointment.pk)}#diagnoses")


@require_POST
@login_required
def item_create(request, pk: int):
    appointment = _appointment_for_visit(request, pk)
    form = PrescriptionItemForm(request.POST)
    try:
        note = _own_note(request, pk)
        if not form.is_valid():
            raise ClinicalError("Check the medicine fields.")
        draft = prescription_draft_for(actor=request.user, visit=note)
        prescription_item_add(actor=request.user, prescription=draft, **form.cleaned_data)
    except ClinicalError as error:
        messages.error(request, str(error))
        return render(
            request, "prescriptions/visit.html", _visit_context(request, appointment, item_form=form), status=400
        )
    messages.success(request, f"{form.cleaned_data['medicine_name']} added to the prescription.")
    return redirect(f"{appointment_visit_url(appointment.pk)}#prescription")


@require_POST
@login_required
def item_delete(request, pk: int):
    item = get_object_or_404(
        PrescriptionItem.objects.select_related("prescription__visit"),
        pk=pk, prescription__doctor__user=request.user,
    )  # fmt: skip
    try:
        prescription_item_remove(actor=request.user, item=item)
    except ClinicalError as error:
        messages.error(request, str(error))
    return redirect(f"{appointment_visit_url(item.prescription.visit.appointment_id)}#prescription")


@require_POST
@login_required
def issue(request, pk: int):
    prescription = get_object_or_404(prescriptions_visible_to(request.user).filter(doctor__user=request.user), pk=pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        # Never issue with the doctor's notes silently dropped: send them back with the reason.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Not issued: {error}")
        return redirect(f"{appointment_visit_url(prescription.visit.appointment_id)}#prescription")
    try:
        prescription_issue(actor=request.user, prescription=prescription, notes=form.cleaned_data["notes"])
    except ClinicalError as error:
        messages.error(request, str(error))
        return redirect(f"{appointment_visit_url(prescription.visit.appointment_id)}#prescription")
    messages.success(request, "Prescription issued. The patient has been notified.")
    return redirect("prescriptions:detail", pk=prescription.pk)


@require_POST
@login_required
def correct(request, pk: int):
    prescription = get_object_or_404(prescriptions_visible_to(request.user).filter(doctor__user=request.user), pk=pk)
    form = CorrectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ClinicalError("Say what the correction is for.")
        prescription_correct(actor=request.user, prescription=prescription, reason=form.cleaned_data["reason"])
    except ClinicalError as error:
        messages.error(request, str(error))
        return redirect("prescriptions:detail", pk=prescription.pk)
    messages.info(request, "A corrected version is open below. Change it, then issue it to replace the old one.")
    return redirect(f"{appointment_visit_url(prescription.visit.appointment_id)}#prescription")


def appointment_visit_url(appointment_pk: int) -> str:
    from django.urls import reverse

    return reverse("prescriptions:visit", args=[appointment_pk])


def _versions_for_display(note: VisitNote) -> list:
    versions = list(note.versions.select_related("written_by"))
    for version in versions:
        version.fields = [
            (VisitNote._meta.get_field(name).verbose_name, value)
            for name, value in version.content.items()
            if value not in (None, "")
        ]
    return versions


@login_required
def visit_note_detail(request, pk: int):
    note = get_object_or_404(visits_visible_to(request.user), pk=pk)
    log_clinical_read(
        request, patient=note.patient, kind=AccessLogEntry.Kind.VISIT, object_id=note.pk, hospital_id=note.hospital_id
    )
    context = {
        "note": note,
        "patient": note.patient,
        "diagnoses": note.diagnoses.all(),
        "prescriptions": note.prescriptions.exclude(status=Prescription.Status.DRAFT).select_related("issued_by"),
        "versions": _versions_for_display(note),
        "hospital_tz": note.hospital.tz,
    }
    return render(request, "prescriptions/visit_note_detail.html", context)


@login_required
def detail(request, pk: int):
    prescription = get_object_or_404(prescriptions_visible_to(request.user), pk=pk)
    log_clinical_read(
        request, patient=prescription.patient, kind=AccessLogEntry.Kind.PRESCRIPTION, object_id=prescription.pk,
        hospital_id=prescription.hospital_id,
    )  # fmt: skip
    context = {
        "prescription": prescription,
        "patient": prescription.patient,
        "items": prescription.items.all(),
        "progress": prescription_progress(prescription) if prescription.is_issued else [],
        "versions": prescription_versions(prescription) if prescription.series else [],
        "correction_form": CorrectionForm(),
        "is_prescriber": prescription.doctor.user_id == request.user.pk,
        "hospital_tz": prescription.hospital.tz,
    }
    return render(request, "prescriptions/detail.html", context)


@login_required
def pdf(request, pk: int):
    prescription = get_object_or_404(
        prescriptions_visible_to(request.user).exclude(status=Prescription.Status.DRAFT), pk=pk
    )
    log_clinical_read(
        request, patient=prescription.patient, kind=AccessLogEntry.Kind.PRESCRIPTION_PDF, object_id=prescription.pk,
        hospital_id=prescription.hospital_id,
    )  # fmt: skip
    response = HttpResponse(prescription_pdf(prescription), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="prescription-{prescription.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(User.Role.DOCTOR)
def icd10_search(request):
    results = search_icd10(request.GET.get("q", "")[:80])
    return JsonResponse(
        {"results": [{"code": r.code, "description": r.description, "label": r.label} for r in results]}
    )


@role_required(User.Role.DOCTOR)
def medicine_search(request):
    """Catalogue suggestions; with ?visit=<appointment id>, whether each is in stock at that visit's hospital
    (yes/no only: doctors never see costs)."""
    results = search_products(request.GET.get("q", "")[:80])
    appointment_id = parse_id(request.GET.get("visit", ""))
    appointment = visit_appointments_of(request.user).filter(pk=appointment_id).first() if appointment_id else None
    in_stock = in_stock_product_ids(appointment.hospital, [r.pk for r in results]) if appointment else None
    return JsonResponse(
        {
            "results": [
                {
                    "name": r.generic_name,
                    "strength": r.strength,
                    "form": r.form,
                    "route": r.route,
                    "label": r.label,
                    "in_stock": None if in_stock is None else r.pk in in_stock,
                }
                for r in results
            ]
        }
    )
