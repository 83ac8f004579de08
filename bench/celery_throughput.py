"""Does one Celery worker keep up with 30 bookings/s of notifications? (issue 12)

    DATABASE_URL=postgres://… REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/celery_throughput.py \\
        --rate 60 --seconds 20 --smtp-latency-ms 50 --worker "--pool threads --concurrency 16"

A booking notifies the patient and the doctor: 30 bookings/s are 60 e-mail deliveries/s. The script starts a
local SMTP server that takes --smtp-latency-ms per message (a real mail relay is not instant), a worker with the
given options, enqueues deliver_notification at --rate per second for --seconds (the way services do, one task
per notification and channel) and reports the backlog and how long after the last enqueue every e-mail was sent.
Everything runs on 127.0.0.1; rows it creates belong to a throwaway bench user.
"""

import argparse
import os
import shlex
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")
QUEUE = "bench-notifications"


class SlowSmtp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, latency: float):
        self.latency, self.received = latency, 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), SlowSmtpHandler)


class SlowSmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 bench ESMTP\r\n")
        in_data = False
        while line := self.rfile.readline():
            if in_data:
                if line.rstrip(b"\r\n") == b".":
                    in_data = False
                    time.sleep(self.server.latency)  # the relay's work per message
                    with self.server.lock:
                        self.server.received += 1
                    self.wfile.write(b"250 queued\r\n")
                continue
            command = line[:4].upper()
            if command == b"EHLO":
                self.wfile.write(b"250-bench\r\n250 8BITMIME\r\n")
            elif command == b"DATA":
                in_data = True
                self.wfile.write(b"354 go\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=60.0, help="deliveries enqueued per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--smtp-latency-ms", type=float, default=50.0)
    parser.add_argument("--worker", default="--pool threads --concurrency 16 --prefetch-multiplier 4")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up waiting for the backlog after this")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the worker needs a real broker.")
    os.environ["NOTIFICATIONS_QUEUE"] = QUEUE
    smtp = SlowSmtp(args.smtp_latency_ms / 1000)
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.server_address[1]),
           "EMAIL_USE_TLS": "0", "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    os.environ.update(env)

    import django

    django.setup()
    from django.db import connections

    from accounts.models import User
    from notifications.models import Delivery, Notification
    from notifications.tasks import deliver_notification

    user, _ = User.objects.get_or_create(email="celery-bench@bench.example", defaults={"full_name": "Celery Bench"})
    total = int(args.rate * args.seconds)
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, kind=Notification.Kind.APPOINTMENT_BOOKED, title=f"Bench {n}", body="Bench")
        for n in range(total)
    )
    ids = [n.pk for n in notifications]
    connections.close_all()
    command = [str(Path(sys.executable).parent / "celery"), "-A", "hms", "worker", "-Q", QUEUE, "--loglevel=WARNING",
               *shlex.split(args.worker)]  # fmt: skip
    worker = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    try:
        time.sleep(10)  # worker start-up
        started = time.monotonic()
        for index, notification_id in enumerate(ids):
            due = started + index / args.rate
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            deliver_notification.apply_async((notification_id, "email"), queue=QUEUE)
        enqueued = time.monotonic()
        backlog_at_end = total - smtp.received
        deadline = enqueued + args.timeout
        while smtp.received < total and time.monotonic() < deadline:
            time.sleep(0.1)
        finished = time.monotonic()
        sent = Delivery.objects.filter(notification_id__in=ids, status=Delivery.Status.SENT).count()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        Notification.objects.filter(pk__in=ids).delete()
    achieved = total / (finished - started)
    print(
        f"worker: {args.worker} | {total} e-mails at {args.rate:.0f}/s over {args.seconds:.0f} s, SMTP "
        f"{args.smtp_latency_ms:.0f} ms/message | backlog when enqueueing stopped: {backlog_at_end} | all sent "
        f"{finished - enqueued:.1f} s after the last enqueue | {sent}/{total} delivered | {achieved:.0f}/s"
    )
    keeps_up = sent == total and finished - enqueued < 5
    print("RESULT:", "keeps up" if keeps_up else "FALLS BEHIND")
    return 0 if keeps_up else 1


if __name__ == "__main__":
    sys.exit(main())
