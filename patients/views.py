from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import User
from accounts.roles import role_required
from appointments.calls import upcoming_or_callable
from appointments.models import Appointment
from patients.forms import DocumentUploadForm, MedicalBackgroundForm
from patients.models import AccessLogEntry, ClinicalDocument, MedicalBackground
from patients.selectors import (
    access_log_of,
    care_hospital_id,
    documents_visible_to,
    medical_background_of,
    patient_timeline,
    patients_of_doctor,
    patients_visible_to,
)
from patients.services import clinical_document_add, log_clinical_read, medical_background_save


@role_required(User.Role.PATIENT)
def dashboard(request):
    profile = request.user.patient_profile
    upcoming = (
        Appointment.objects.filter(upcoming_or_callable(), patient=profile, status__in=Appointment.ACTIVE_STATUSES)
        .select_related("doctor__user", "hospital")
        .order_by("start_at")[:10]
    )
    return render(request, "patients/dashboard.html", {"profile": profile, "upcoming": upcoming})


@role_required(User.Role.PATIENT)
def my_history(request):
    return redirect("patients:history", pk=request.user.patient_profile.pk)


@login_required
def history(request, pk: int):
    patient = get_object_or_404(patients_visible_to(request.user), pk=pk)
    log_clinical_read(request, patient=patient, kind=AccessLogEntry.Kind.HISTORY, object_id=patient.pk)
    timeline, timeline_page = patient_timeline(patient, request.GET.get("page"))
    context = {
        "patient": patient,
        "background": medical_background_of(patient),
        "timeline": timeline,
        "page": timeline_page,
        "is_own_record": patient.user_id == request.user.pk,
    }
    if request.user.is_doctor:
        context["my_appointments"] = (
            Appointment.objects.filter(patient=patient, doctor__user=request.user)
            .exclude(status=Appointment.Status.CANCELLED)
            .select_related("hospital")
            .order_by("-start_at")[:10]
        )
    return render(request, "patients/history.html", context)


@role_required(User.Role.DOCTOR)
def my_patients(request):
    query = request.GET.get("q", "")[:100]
    page = Paginator(patients_of_doctor(request.user, query), 25).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "query_string": urlencode({"q": query}) if query else ""}
    return render(request, "patients/my_patients.html", context)


@role_required(User.Role.PATIENT)
def background(request):
    patient = request.user.patient_profile
    instance = medical_background_of(patient) or MedicalBackground(patient=patient)
    form = MedicalBackgroundForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        medical_background_save(actor=request.user, patient=patient, **form.cleaned_data)
        messages.success(request, "Your medical background is saved. Your doctors see it at your next visit.")
        return redirect("patients:background")
    return render(request, "patients/background.html", {"form": form, "background": instance})


@login_required
def document_upload(request, pk: int):
    patient = get_object_or_404(patients_visible_to(request.user), pk=pk)
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        hospital_id = care_hospital_id(request.user, patient) if request.user.is_doctor else None
        document = clinical_document_add(
            actor=request.user, patient=patient, uploaded_file=form.cleaned_data["file"], inspected=form.inspected,
            title=form.cleaned_data["title"], description=form.cleaned_data["description"],
            hospital_id=hospital_id,
        )  # fmt: skip
        return redirect("patients:document", pk=document.pk)
    return render(request, "patients/document_upload.html", {"form": form, "patient": patient})


@login_required
def document_detail(request, pk: int):
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    log_clinical_read(
        request, patient=document.patient, kind=AccessLogEntry.Kind.DOCUMENT, object_id=document.pk,
        hospital_id=document.hospital_id if request.user.is_doctor else None,
    )  # fmt: skip
    return render(request, "patients/document_detail.html", {"document": document, "patient": document.patient})


@login_required
def document_file(request, pk: int):
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    log_clinical_read(request, patient=document.patient, kind=AccessLogEntry.Kind.DOCUMENT_FILE, object_id=document.pk)
    return _private_file_response(document.file, document.content_type, document.original_name, inline=False)


@login_required
def document_preview(request, pk: int):
    document = get_object_or_404(documents_visible_to(request.user).exclude(kind=ClinicalDocument.Kind.PDF), pk=pk)
    field_file = document.preview if document.kind == ClinicalDocument.Kind.DICOM else document.file
    if not field_file:
        raise Http404("No preview")
    log_clinical_read(request, patient=document.patient, kind=AccessLogEntry.Kind.IMAGE, object_id=document.pk)
    content_type = "image/png" if document.kind == ClinicalDocument.Kind.DICOM else document.content_type
    return _private_file_response(field_file, content_type, f"preview-{document.pk}.png", inline=True)


def _private_file_response(field_file, content_type: str, filename: str, *, inline: bool) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:  # the row outlived its file (restore, storage fault): a 404, not a 500
        raise Http404("The file is missing.") from error
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(User.Role.PATIENT)
def access_log(request):
    patient = request.user.patient_profile
    include_own = request.GET.get("mine") == "1"
    page = Paginator(access_log_of(patient, include_own=include_own), 50).get_page(request.GET.get("page"))
    context = {"page": page, "include_own": include_own, "query_string": "mine=1" if include_own else ""}
    return render(request, "patients/access_log.html", context)
