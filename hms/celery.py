import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")

app = Celery("hms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _register_worker(**kwargs):
    from ops.runtime import register_server_process

    register_server_process("celery")  # `manage.py restore` refuses while a worker runs
