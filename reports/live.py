"""Live platform statistics: after any change that moves a platform count (appointment, hospital, doctor, patient,
payment) commits, poke the super admins' open tabs over their existing notification socket; the page then re-reads
the numbers over HTTP."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete, post_save

PLATFORM_STATS_GROUP = "platform-stats"
_sending: set[asyncio.Task] = set()  # strong references until each send is done


def poke_platform_stats() -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "platform.stats"}
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(layer.group_send)(PLATFORM_STATS_GROUP, message)
    else:
        # Saved from code that runs inside an event loop's thread (async-unsafe ORM use, e.g. a sync tool driven
        # by a loop): async_to_sync is refused there, so hand the send to that loop.
        task = loop.create_task(layer.group_send(PLATFORM_STATS_GROUP, message))
        _sending.add(task)
        task.add_done_callback(_sending.discard)


def _changed(sender, using=None, **kwargs) -> None:
    # One poke per transaction, however many rows it wrote (an import must not flood the sockets). A rolled
    # back transaction drops its callbacks, so nothing is poked for it.
    connection = transaction.get_connection(using)
    if any(entry[1] is poke_platform_stats for entry in connection.run_on_commit):
        return
    transaction.on_commit(poke_platform_stats, using=using, robust=True)


def _connect() -> None:
    from appointments.models import Appointment
    from billing.models import Payment
    from doctors.models import DoctorProfile
    from hospitals.models import Hospital
    from patients.models import PatientProfile

    for model in (Appointment, Hospital, DoctorProfile, PatientProfile, Payment):
        post_save.connect(_changed, sender=model, dispatch_uid=f"platform-stats-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"platform-stats-delete-{model.__name__}")


_connect()
