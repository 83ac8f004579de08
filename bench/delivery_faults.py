"""Nothing lost, nothing twice: notification e-mail delivery under three real faults (issue 11).

Runs against real services: YOUR PostgreSQL database (DATABASE_URL), a redis-server this script starts on its own
port (--redis-port, default 6391; it never touches another Redis), a real Celery worker and beat (the outbox
sweeper), and a local SMTP outbox that records every e-mail it receives.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_mine .venv/bin/python bench/delivery_faults.py

Faults, each while notifications are being recorded the way a booking records them (notify() inside the booking's
transaction; delivery rows in the same transaction):
  1. Redis restart mid-batch (no persistence: every queued task in Redis is lost, enqueues fail while it is down);
  2. worker kill -9 mid-batch (the whole process group; a new worker is started, as a supervisor would);
  3. web process kill -9 right after COMMIT, before its on-commit enqueue runs (a child process per booking run).
Then it waits for the outbox to drain and prints created / delivered / duplicates / lost (lost and duplicates must
be 0; the exit status says whether they are).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
RECIPIENT = "fault-bench@example.org"


def _django(redis_url: str) -> None:
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")
    import django

    django.setup()
    import logging

    # The robust on-commit enqueue logs a full traceback for every booking recorded while Redis is down.
    logging.getLogger("django.db.backends.base").setLevel(logging.CRITICAL)


def record(prefix: str, index: int, *, kill_after_commit: bool = False) -> None:
    """One booking's notification, recorded as the booking service does (its own transaction)."""
    from django.db import transaction

    from accounts.models import User
    from notifications.models import Notification
    from notifications.services import notify

    recipient = User.objects.get(email=RECIPIENT)
    with transaction.atomic():
        if kill_after_commit:  # registered first: runs right after COMMIT, before notify's enqueue callback
            transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
        notify(recipient=recipient, kind=Notification.Kind.APPOINTMENT_BOOKED, title=f"{prefix}-{index:04d}")


class Services:
    def __init__(self, args, workdir: Path, smtp_port: int) -> None:
        self.args, self.workdir = args, workdir
        self.redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "REDIS_URL": self.redis_url, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "0", "EMAIL_BACKEND": "", "NOTIFICATIONS_SWEEP_SECONDS": "2",
            "NOTIFICATIONS_OUTBOX_DELAY_SECONDS": "3", "NOTIFICATIONS_LEASE_SECONDS": "15",
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "1", "NOTIFICATIONS_MAX_RETRIES": "20", "CONN_MAX_AGE": "0",
            "REDIS_KEY_PREFIX": "faultbench",
        }  # fmt: skip
        self.redis = self.worker = self.beat = None

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.args.redis_port), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.5)

    def stop_redis(self) -> None:
        self.redis.terminate()
        self.redis.wait(timeout=10)

    def _celery(self, *args: str, log: str) -> subprocess.Popen:
        celery = str(Path(sys.executable).parent / "celery")
        with open(self.workdir / log, "a") as out:
            return subprocess.Popen(  # noqa: S603
                [celery, "-A", "hms", *args], cwd=BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def start_worker(self) -> None:
        self.worker = self._celery("worker", "--concurrency=2", "--loglevel=INFO", "--without-gossip",
                                   "--without-mingle", log="worker.log")  # fmt: skip

    def start_beat(self) -> None:
        self.beat = self._celery("beat", "--loglevel=INFO", "-s", str(self.workdir / "beat-schedule"), log="beat.log")

    def kill_worker(self) -> None:
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def supervise(self) -> None:
        """Restart a Celery process that exited on its own (what systemd / honcho would do)."""
        if self.worker.poll() is not None:
            self.start_worker()
        if self.beat.poll() is not None:
            self.start_beat()

    def stop_all(self) -> None:
        for process in (self.worker, self.beat):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        if self.redis and self.redis.poll() is None:
            self.stop_redis()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--per-fault", type=int, default=70, help="notifications recorded during each fault")
    parser.add_argument("--web-kills", type=int, default=5, help="web processes killed right after a commit")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the outbox to drain")
    parser.add_argument("--child", nargs=2, metavar=("PREFIX", "INDEX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to your own PostgreSQL database (the production shape).")
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    if args.child:  # a "web process" that dies right after its booking commits
        _django(redis_url)
        record(args.child[0], int(args.child[1]), kill_after_commit=True)
        return 1  # never reached

    _django(redis_url)
    from django.core.management import call_command

    from accounts.models import User
    from notifications.models import Delivery, Notification
    from notifications.tests.servers import SmtpOutbox

    call_command("migrate", verbosity=0)
    User.objects.filter(email=RECIPIENT).exists() or User.objects.create_user(RECIPIENT, None, full_name="Fault Bench")
    run = f"fault{int(time.time())}"
    started = time.monotonic()
    outbox = SmtpOutbox()
    workdir = Path(tempfile.mkdtemp(prefix="hms-faults-"))
    services = Services(args, workdir, outbox.port)
    try:
        services.start_redis()
        services.start_worker()
        services.start_beat()
        time.sleep(6)
        n = args.per_fault

        print(f"1. Redis restart while recording {n} notifications …", flush=True)
        for i in range(n):
            if i == n // 3:
                services.stop_redis()
            if i == 2 * n // 3:
                services.start_redis()
            record(f"{run}-redis", i)
            time.sleep(0.02)
        time.sleep(3)
        services.supervise()

        print(f"2. worker kill -9 while recording {n} notifications …", flush=True)
        for i in range(n):
            if i == n // 2:
                services.kill_worker()
            if i == n // 2 + 10:
                services.start_worker()
            record(f"{run}-worker", i)
            time.sleep(0.02)
        services.supervise()

        print(f"3. web process kill -9 right after commit, {args.web_kills} times …", flush=True)
        for i in range(args.web_kills):
            child = subprocess.run(  # noqa: S603
                [sys.executable, __file__, "--child", f"{run}-web", str(i)], env=services.env, cwd=BASE_DIR,
                capture_output=True, timeout=120, check=False,
            )  # fmt: skip
            assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

        created = Notification.objects.filter(title__startswith=run, deliveries__channel="email").count()
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            services.supervise()
            pending = Delivery.objects.filter(notification__title__startswith=run).exclude(status="sent").count()
            if not pending:
                break
            time.sleep(1)
        time.sleep(3)  # anything still in flight lands now (it would be a duplicate)
        subjects = [m["Subject"].removeprefix("HMS: ") for m in outbox.messages if run in m.get("Subject", "")]
        delivered = len(set(subjects))
        duplicates = len(subjects) - delivered
        lost = created - delivered
        by_fault = {
            name: (Notification.objects.filter(title__startswith=f"{run}-{name}").count(),
                   len({s for s in subjects if s.startswith(f"{run}-{name}")}))
            for name in ("redis", "worker", "web")
        }  # fmt: skip
    finally:
        services.stop_all()
        outbox.close()
    for name, (made, got) in by_fault.items():
        print(f"   {name:<7} created {made:4d}  delivered {got:4d}")
    print(f"created {created}  delivered {delivered}  duplicates {duplicates}  lost {lost}")
    print(f"({time.monotonic() - started:.0f} s; logs in {workdir})")
    return 0 if duplicates == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
