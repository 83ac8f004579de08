"""Live platform statistics: after any change that moves a platform count commits, poke the super admins'
open tabs over their existing notification socket; the page then re-reads the numbers over HTTP."""

import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete, post_save

PLATFORM_STATS_GROUP = "platform-stats"
_pending = threading.local()


def poke_platform_stats() -> None:
    _pending.scheduled = False
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(PLATFORM_STATS_GROUP, {"type": "platform.stats"})


def _changed(sender, **kwargs) -> None:
    # One poke per transaction, however many rows it wrote (a bulk import must not flood the sockets).
    if getattr(_pending, "scheduled", False):
        return
    _pending.scheduled = True
    transaction.on_commit(poke_platform_stats, robust=True)


def _connect() -> None:
    from appointments.models import Appointment
    from doctors.models import DoctorProfile
    from hospitals.models import Hospital
    from patients.models import PatientProfile

    for model in (Appointment, Hospital, DoctorProfile, PatientProfile):
        post_save.connect(_changed, sender=model, dispatch_uid=f"platform-stats-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"platform-stats-delete-{model.__name__}")


_connect()
