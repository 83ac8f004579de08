"""PostgreSQL: the billing ledger (append-only money movements) is partitioned by month like the access log.
Nothing references ledger rows by foreign key, so the conversion keeps every index, key and the trigger."""

from django.db import migrations

from ops.partitioning import PartitionByMonth


class Migration(migrations.Migration):
    dependencies = [("ops", "0002_partition_access_log"), ("billing", "0002_ledger_append_only")]

    operations = [PartitionByMonth("billing_ledgerentry", column="created_at")]
