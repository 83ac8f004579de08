"""Reports pages: thin views over reports.metrics / selectors / services."""

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import role_required
from hospitals.models import HospitalMembership
from hospitals.selectors import hospital_of
from reports import services
from reports.exports import CONTENT_TYPES, export_filename, write_export
from reports.metrics import DEFINITIONS, STATUS_LABELS, STATUSES, build_report
from reports.models import ExportJob
from reports.params import ReportForm, hospital_directory
from reports.selectors import (
    METRICS,
    ROW_COLUMNS,
    RowFilterError,
    doctor_names,
    export_jobs_visible_to,
    format_row,
    platform_statistics,
    report_rows,
    row_filter_from_query,
    row_values,
    saved_reports_visible_to,
)

ADMIN = HospitalMembership.Role.ADMIN
ROWS_PAGE_SIZE = 50


def _form(request, data):
    hospital = hospital_of(request.user, ADMIN)
    directory = hospital_directory(hospital)
    return ReportForm(data, hospital=hospital, directory=directory), directory


@role_required(User.Role.HOSPITAL_ADMIN)
def report(request):
    form, directory = _form(request, request.GET)
    context = {
        "form": form,
        "hospital": form.hospital,
        "saved_reports": list(saved_reports_visible_to(request.user).order_by("name")),
        "definitions": DEFINITIONS,
        "statuses": [(status, STATUS_LABELS[status]) for status in STATUSES],
    }
    if form.is_valid():
        params = form.params()
        context.update(params=params, report=build_report(params, directory))
    return render(request, "reports/report.html", context, status=200 if form.is_valid() else 400)


@role_required(User.Role.HOSPITAL_ADMIN)
def revenue(request):
    from reports import revenue as revenue_metrics

    form, directory = _form(request, request.GET)
    context = {"form": form, "hospital": form.hospital, "definitions": revenue_metrics.DEFINITIONS, "tab": "revenue"}
    if form.is_valid():
        params = form.params()
        result = revenue_metrics.revenue_report(params, directory)
        context.update(
            params=params, revenue=result, busiest_day=revenue_metrics.busiest(result.days, "invoiced"),
        )  # fmt: skip
    return render(request, "reports/revenue.html", context, status=200 if form.is_valid() else 400)


def _rows_context(request, data):
    form, directory = _form(request, data)
    if not form.is_valid():
        return form, directory, None, None, None
    params = form.params()
    try:
        row_filter = row_filter_from_query(data, params, directory)
    except RowFilterError as error:
        form.add_error(None, str(error))
        return form, directory, params, None, None
    return form, directory, params, row_filter, report_rows(params, directory, row_filter)


@role_required(User.Role.HOSPITAL_ADMIN)
def rows(request):
    form, directory, params, row_filter, appointments = _rows_context(request, request.GET)
    context = {"form": form, "hospital": form.hospital, "columns": ROW_COLUMNS}
    if appointments is None:
        return render(request, "reports/rows.html", context, status=400)
    page = Paginator(row_values(appointments), ROWS_PAGE_SIZE).get_page(request.GET.get("page"))
    names = doctor_names(directory)
    query = {**params.as_query(), **row_filter.as_query()}
    context.update(
        params=params,
        row_filter=row_filter,
        row_query=row_filter.as_query(),
        metric_label=METRICS.get(row_filter.metric, ""),
        status_label=STATUS_LABELS.get(row_filter.status, _("not cancelled") if row_filter.status else ""),
        page=page,
        table=[format_row(values, params, directory, names) for values in page.object_list],
        query_string=urlencode(query),
        sync_limit=settings.REPORTS_SYNC_EXPORT_MAX_ROWS,
    )
    return render(request, "reports/rows.html", context)


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def export(request):
    fmt = request.POST.get("format", "")
    form, directory, params, row_filter, appointments = _rows_context(request, request.POST)
    if appointments is None or fmt not in CONTENT_TYPES:
        errors = [str(e) for e in form.non_field_errors()] + [
            str(e) for name, errs in form.errors.items() if name != "__all__" for e in errs
        ]
        messages.error(request, " ".join(errors) or _("Choose CSV or XLSX."))
        return redirect("reports:report")
    total = appointments.count()
    if total > settings.REPORTS_SYNC_EXPORT_MAX_ROWS:
        job = services.export_job_start(
            actor=request.user, params=params, row_query=row_filter.as_query(), fmt=fmt, total_rows=total
        )
        messages.info(
            request, _("This export has %(count)s rows: it is being prepared; we will notify you.") % {"count": total}
        )
        return redirect("reports:export_job", token=job.token)
    buffer = io.BytesIO()
    write_export(fmt, buffer, params, directory, appointments)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(params, fmt)}"'
    return response


@role_required(User.Role.HOSPITAL_ADMIN)
def export_job(request, token):
    job = get_object_or_404(export_jobs_visible_to(request.user), token=token)
    expired = job.expires_at is not None and job.expires_at <= timezone.now()
    return render(request, "reports/export_job.html", {"job": job, "expired": expired})


@role_required(User.Role.HOSPITAL_ADMIN)
def export_download(request, token):
    job = get_object_or_404(
        export_jobs_visible_to(request.user), token=token, status=ExportJob.Status.DONE, expires_at__gt=timezone.now()
    )
    path = services.export_path(job)
    if not path.exists():
        raise Http404(_("This export is no longer available."))
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=job.file_name, content_type=CONTENT_TYPES[job.format]
    )


# --- saved reports -------------------------------------------------------------------------------------


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def saved_save(request):
    form, _directory = _form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _("Fix the report's dates and filters before saving it."))
        return redirect("reports:report")
    try:
        saved = services.saved_report_save(
            actor=request.user, params=form.params(), name=request.POST.get("name", ""),
            shared=request.POST.get("shared") == "on",
        )  # fmt: skip
    except services.ReportError as error:
        messages.error(request, str(error))
        return redirect(f"{_report_url()}?{form.params().querystring}")
    messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
    return redirect(f"{_report_url()}?{form.params().querystring}")


def _report_url() -> str:
    from django.urls import reverse

    return reverse("reports:report")


@role_required(User.Role.HOSPITAL_ADMIN)
def saved_run(request, pk: int):
    saved = get_object_or_404(saved_reports_visible_to(request.user), pk=pk)
    return redirect(f"{_report_url()}?{urlencode(saved.params)}")


@require_POST
@role_required(User.Role.HOSPITAL_ADMIN)
def saved_delete(request, pk: int):
    saved = get_object_or_404(saved_reports_visible_to(request.user), pk=pk)
    services.saved_report_delete(actor=request.user, report=saved)
    messages.success(request, _("Deleted “%(name)s”.") % {"name": saved.name})
    return redirect("reports:report")


# --- platform statistics -------------------------------------------------------------------------------


@role_required(User.Role.SUPER_ADMIN)
def platform(request):
    return render(request, "reports/platform.html", {"stats": platform_statistics()})


@role_required(User.Role.SUPER_ADMIN)
def platform_live(request):
    """The numbers alone, for the page to swap in after a poke."""
    return render(request, "reports/_platform_stats.html", {"stats": platform_statistics()})
