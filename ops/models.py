from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """The platform's append-only audit trail: who did what operational or configuration change, and when.

    Backups and restores are written here (by `manage.py backup` / `restore`); a database trigger refuses
    UPDATE and DELETE (migration 0001), exactly like the clinical access log."""

    class Action(models.TextChoices):
        BACKUP = "backup", "Backup"
        RESTORE = "restore", "Restore"
        PARTITION_ARCHIVE = "partition_archive", "Partition archived"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who ran it when there is no signed-in user (a command run from a shell or cron): "root@db1".
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    target = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or self.actor_id}: {self.action} {self.target}"
