import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedReport(models.Model):
    """A hospital admin's report parameters kept under a name; `shared` lets the hospital's other admins run it."""

    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.CASCADE, related_name="saved_reports")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_reports")
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(default=dict)
    shared = models.BooleanField(_("share with the hospital's other admins"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_unique_per_owner")]
        indexes = [models.Index(fields=["hospital", "shared"])]

    def __str__(self) -> str:
        return self.name


class ExportJob(models.Model):
    """A large export built in the background; its file is private to the owner and expires after a day."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.CASCADE, related_name="export_jobs")
    params = models.JSONField(default=dict)
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_format_display()} export {self.token} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0
