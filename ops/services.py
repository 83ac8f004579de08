"""Writes of the ops app: audit events."""

import getpass
import socket

from ops.models import AuditEvent


def shell_actor_label() -> str:
    """The person behind a management command: the OS user and host it ran on."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def audit_record(*, action: str, target: str = "", details: dict | None = None, actor=None, using: str = "default"):
    return AuditEvent.objects.using(using).create(
        action=action,
        target=target[:500],
        details=details or {},
        actor=actor,
        actor_label="" if actor else shell_actor_label(),
    )
