from celery import shared_task

from ops.partitioning import ensure_partitions


@shared_task
def maintain_partitions() -> list[str]:
    """Daily: create the coming months' partitions of the append-only tables (PostgreSQL; idempotent)."""
    return ensure_partitions()
