from celery import shared_task

from reports.services import export_job_build, exports_purge_expired


@shared_task(bind=True, max_retries=3, acks_late=True)
def build_export(self, job_id: int) -> None:
    try:
        export_job_build(job_id=job_id)
    except Exception as error:  # a database hiccup: try again later, the build starts over
        raise self.retry(exc=error, countdown=10 * (2**self.request.retries)) from error


@shared_task
def purge_expired_exports() -> int:
    return exports_purge_expired()
