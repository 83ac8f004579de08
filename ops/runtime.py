"""Which HMS server processes are running on this machine (so a restore can refuse to pull the floor away).

Every process that serves the app (the ASGI entry point) or runs Celery writes a pid file into RUN_DIR
while it lives. A pid file whose process is gone (a crash, a kill -9) is ignored and cleaned up."""

import atexit
import os
from pathlib import Path

from django.conf import settings


def _run_dir() -> Path:
    return Path(settings.RUN_DIR)


def _cmdline(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def register_server_process(kind: str) -> Path | None:
    try:
        run_dir = _run_dir()
        run_dir.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        pid_file = run_dir / f"{kind}-{pid}.pid"
        pid_file.write_text(f"{pid}\n{_cmdline(pid) or kind}\n")
    except OSError:
        return None  # a read-only deployment still serves; restore then relies on the operator
    atexit.register(lambda: pid_file.unlink(missing_ok=True))
    return pid_file


def running_server_processes() -> list[tuple[int, str]]:
    """[(pid, command line)] of live HMS server processes other than this one."""
    run_dir = _run_dir()
    if not run_dir.is_dir():
        return []
    running = []
    for pid_file in sorted(run_dir.glob("*.pid")):
        try:
            pid_text, _, recorded = pid_file.read_text().partition("\n")
            pid = int(pid_text)
        except (OSError, ValueError):
            continue
        if pid == os.getpid():
            continue
        current = _cmdline(pid)
        if current is None or current != recorded.strip():
            pid_file.unlink(missing_ok=True)  # stale: the process died (or its pid now belongs to another)
            continue
        running.append((pid, current))
    return running
