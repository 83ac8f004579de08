"""Latency of live notifications: from a booking's COMMIT to the doctor's browser receiving the
websocket message (and to its bell showing the new count).

Production shape: PostgreSQL + Redis (channel layer, broker), Daphne and a Celery worker. The script
starts Daphne and a worker itself (unless --url points at a running server), logs a headless Chromium
in as a bench doctor, then records N bookings one after another and times each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/notification_latency.py --events 200

Timestamps: the commit time is taken by the first on_commit callback (right after COMMIT returns);
the receive time by the page (performance.timeOrigin + performance.now()) when the socket's message
event fires. Both read the same machine clock.
"""

import argparse
import datetime
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")
# Playwright's sync API runs an event loop in this thread; ORM calls happen in a worker thread anyway.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "bench-pass-2026!"  # noqa: S105 (a throwaway account on a bench database)
DOCTOR_EMAIL = "bench-doctor@example.org"
PATIENT_EMAIL = "bench-patient@example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/healthz/", timeout=2)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"Server at {url} did not answer")


def setup_data():
    from accounts.models import User
    from appointments.models import Appointment
    from doctors.models import DoctorProfile
    from hospitals.models import Affiliation, Hospital
    from notifications.models import Notification
    from patients.models import PatientProfile

    hospital = Hospital.objects.filter(slug="bench-hospital").first()
    if hospital is None:
        from hospitals.tests.factories import HospitalFactory

        hospital = HospitalFactory(name="Bench Hospital", slug="bench-hospital", time_zone="Asia/Kolkata")
    doctor_user = User.objects.filter(email=DOCTOR_EMAIL).first() or User.objects.create_user(
        DOCTOR_EMAIL, PASSWORD, full_name="Bench Doctor", role=User.Role.DOCTOR
    )
    doctor = DoctorProfile.objects.filter(user=doctor_user).first()
    if doctor is None:
        from doctors.tests.factories import DoctorFactory

        doctor = DoctorFactory(user=doctor_user)
    if not Affiliation.objects.filter(doctor=doctor, hospital=hospital).exists():
        from hospitals.tests.factories import AffiliationFactory

        AffiliationFactory(doctor=doctor, hospital=hospital)
    patient_user = User.objects.filter(email=PATIENT_EMAIL).first() or User.objects.create_user(
        PATIENT_EMAIL, PASSWORD, full_name="Bench Patient", role=User.Role.PATIENT
    )
    patient = PatientProfile.objects.filter(user=patient_user).first()
    if patient is None:
        from patients.tests.factories import PatientFactory

        patient = PatientFactory(user=patient_user)
    Appointment.objects.filter(doctor=doctor).delete()
    Notification.objects.filter(recipient=doctor_user).delete()
    return hospital, doctor, patient


def book_and_stamp(hospital, doctor, patient, start_at) -> float:
    """A booking as the booking service records it; returns the wall-clock time of its commit."""
    from django.db import transaction

    from appointments.models import Appointment
    from notifications.models import Notification
    from notifications.services import local_time_label, notify

    committed_at: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed_at.append(time.time()))  # runs first, right after COMMIT
        appointment = Appointment.objects.create(
            patient=patient, doctor=doctor, hospital=hospital, start_at=start_at,
            end_at=start_at + datetime.timedelta(minutes=30), booked_by=patient.user,
        )  # fmt: skip
        notify(
            recipient=doctor.user,
            kind=Notification.Kind.APPOINTMENT_BOOKED,
            title=f"New appointment: {patient.user.full_name} at {local_time_label(appointment)}",
            url="/dashboard/",
        )
    return committed_at[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--url", help="a running server (else Daphne + a Celery worker are started here)")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between bookings")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL (and DATABASE_URL): the benchmark measures the production shape.")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    executor = ThreadPoolExecutor(max_workers=1)  # all ORM work off the Playwright thread
    hospital, doctor, patient = executor.submit(setup_data).result()

    children = []
    url = args.url
    bin_dir = Path(sys.executable).parent
    try:
        if not url:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
            children.append(subprocess.Popen(  # noqa: S603 (our own binaries, fixed arguments)
                [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "hms.asgi:application"],
                cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
            children.append(subprocess.Popen(  # noqa: S603 (our own binaries, fixed arguments)
                [str(bin_dir / "celery"), "-A", "hms", "worker", "--concurrency=2", "--loglevel=WARNING"],
                cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        wait_for_http(url)

        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto(f"{url}/accounts/login/")
            page.get_by_label("Email").fill(DOCTOR_EMAIL)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign In").click()
            page.wait_for_url(lambda u: "/accounts/login/" not in u)
            page.wait_for_selector("#notification-bell[data-live='1']", state="attached")
            page.evaluate(
                """() => {
                    window.__pokes = [];
                    window.__bells = [];
                    document.addEventListener("hms:poke", (e) => window.__pokes.push(e.detail.receivedAt));
                    document.addEventListener("hms:notifications", (e) =>
                        window.__bells.push([e.detail.unread, performance.timeOrigin + performance.now()]));
                }"""
            )
            base = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
            base += datetime.timedelta(days=30)
            to_socket, to_bell = [], []
            for i in range(args.events):
                start_at = base + datetime.timedelta(minutes=30 * i)
                committed = executor.submit(book_and_stamp, hospital, doctor, patient, start_at).result()
                # Functions, not strings: the page's CSP forbids eval.
                # The bell shows n unread after the n-th booking (the bench doctor never reads them).
                page.wait_for_function(
                    "(n) => window.__pokes.length >= n && window.__bells.some(([unread]) => unread >= n)", arg=i + 1
                )
                received, bell = page.evaluate(
                    "(n) => [window.__pokes[n - 1], window.__bells.find(([unread]) => unread >= n)[1]]", i + 1
                )
                to_socket.append(received - committed * 1000)
                to_bell.append(bell - committed * 1000)
                time.sleep(args.pause)
            browser.close()
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        executor.submit(setup_data).result()  # leave the bench doctor's inbox empty
        executor.shutdown()

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<34} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
            f"p99 {percentile(values, 99):7.1f} ms   max {max(values):7.1f} ms   mean {statistics.mean(values):6.1f} ms"
        )

    print(f"{len(to_socket)} bookings, commit → doctor's browser")
    print(line("websocket message received", to_socket))
    print(line("bell updated (after re-read)", to_bell))


if __name__ == "__main__":
    main()
