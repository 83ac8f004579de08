"""PostgreSQL: the clinical access log (append-only, the fastest-growing table) is partitioned by month, so
retention archives and drops whole months instead of deleting rows the trigger refuses to delete. SQLite: nothing."""

from django.db import migrations

from ops.partitioning import PartitionByMonth


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_audit_trail"), ("patients", "0003_access_log_append_only")]

    operations = [PartitionByMonth("patients_accesslogentry", column="created_at")]
