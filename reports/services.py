"""Writes for the reports app: saved reports and background exports."""

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Hospital
from notifications.models import Notification
from notifications.services import notify
from reports.models import ExportJob, SavedReport
from reports.params import ReportParams, hospital_directory, params_from_query

logger = logging.getLogger(__name__)


class ReportError(Exception):
    """A refused report action; the message is shown to the user as it is."""


# --- saved reports -------------------------------------------------------------------------------------


def saved_report_save(*, actor: User, params: ReportParams, name: str, shared: bool) -> SavedReport:
    name = name.strip()
    if not name:
        raise ReportError(_("Give the report a name."))
    if len(name) > 100:
        raise ReportError(_("Use at most 100 characters for the name."))
    try:
        with transaction.atomic():
            return SavedReport.objects.create(
                hospital=params.hospital, owner=actor, name=name, params=params.as_query(), shared=shared
            )
    except IntegrityError:
        raise ReportError(_("You already have a saved report called “%(name)s”.") % {"name": name}) from None


def saved_report_delete(*, actor: User, report: SavedReport) -> None:
    if report.owner_id != actor.pk:
        raise PermissionDenied(_("Only the admin who saved a report can delete it."))
    report.delete()


# --- exports -------------------------------------------------------------------------------------------


def export_path(job: ExportJob) -> Path:
    return Path(settings.PRIVATE_FILES_ROOT) / "exports" / f"{job.token}.{job.format}"


def export_job_start(*, actor: User, params: ReportParams, row_query: dict, fmt: str, total_rows: int) -> ExportJob:
    """Queues a large export; the Celery task builds it after this transaction commits."""
    from reports.tasks import build_export

    if fmt not in ExportJob.Format.values:
        raise ReportError(_("Choose CSV or XLSX."))
    job = ExportJob.objects.create(
        owner=actor, hospital=params.hospital, params={**params.as_query(), **row_query}, format=fmt,
        total_rows=total_rows,
    )  # fmt: skip
    transaction.on_commit(lambda: build_export.delay(job.pk), robust=True)
    return job


def export_job_build(*, job_id: int) -> ExportJob | None:
    """Builds the file of one export job. Idempotent: a finished job is left alone."""
    from reports.exports import write_export
    from reports.selectors import report_rows, row_filter_from_query

    job = ExportJob.objects.select_related("hospital", "owner").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, done_rows=0)
    try:
        _check_still_admin(job.owner, job.hospital)
        params = params_from_query(job.params, job.hospital)
        directory = hospital_directory(job.hospital)
        rows = report_rows(params, directory, row_filter_from_query(job.params, params, directory))
        path = export_path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        count = write_export(
            job.format, str(path), params, directory, rows,
            progress=lambda done: ExportJob.objects.filter(pk=job.pk).update(done_rows=done),
        )  # fmt: skip
    except (ReportError, PermissionDenied) as error:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=str(error)[:300])
        return ExportJob.objects.get(pk=job.pk)
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, done_rows=count, total_rows=count, finished_at=now,
        expires_at=now + datetime.timedelta(hours=settings.REPORTS_EXPORT_TTL_HOURS),
        file_name=f"appointments-{job.hospital.slug}-{params.date_from}-{params.date_to}.{job.format}",
    )  # fmt: skip
    with transaction.atomic():
        notify(
            recipient=job.owner, kind=Notification.Kind.ACCOUNT,
            title=_("Your export is ready"),
            body=_("%(count)s rows, available for %(hours)s hours.")
            % {"count": count, "hours": settings.REPORTS_EXPORT_TTL_HOURS},
            url=reverse("reports:export_job", args=[job.token]),
        )  # fmt: skip
    return ExportJob.objects.get(pk=job.pk)


def _check_still_admin(user: User, hospital: Hospital) -> None:
    from hospitals.models import HospitalMembership

    if not HospitalMembership.objects.filter(
        user=user, hospital=hospital, is_active=True, role=HospitalMembership.Role.ADMIN
    ).exists():
        raise PermissionDenied(_("You are no longer an admin of this hospital."))


def exports_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Deletes export files (and their jobs) whose link has expired."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(expires_at__lte=now))
    for job in expired:
        export_path(job).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    # Failed or abandoned jobs older than a day go too.
    ExportJob.objects.filter(expires_at__isnull=True, created_at__lte=now - datetime.timedelta(days=1)).delete()
    return len(expired)
