"""Scale-out on existing engines: two Daphne processes behind a real nginx, sharing PostgreSQL and Redis.

Each browser is pinned to one process by a test-only cookie (the nginx map below), so the doctor's sockets live in
process A while the patient's requests and sockets go to process B; nginx's X-HMS-Upstream header proves it.
Then: presence, a booking's live notification and a video call's signalling all cross the process boundary.
"""

import datetime
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD
from appointments.models import ScheduleRange, WeeklySchedule
from appointments.tests.conftest import video_appointment_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.browser]

BASE_DIR = Path(__file__).resolve().parents[2]
LIVE = 20_000
HEARTBEAT, TTL = 2, 6


def _free_port(start: int = 8860, stop: int = 8899) -> int:
    for port in range(start, stop):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8860-8899")


def _wait_http(url: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _nginx_conf(tmp: Path, port: int, upstream_a: int, upstream_b: int) -> str:
    proxy = (BASE_DIR / "deploy/nginx/hms-proxy.conf").resolve()
    return f"""
worker_processes 1;
error_log {tmp}/error.log warn;
pid {tmp}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream hms_a {{ server 127.0.0.1:{upstream_a}; }}
    upstream hms_b {{ server 127.0.0.1:{upstream_b}; }}
    upstream hms {{ least_conn; server 127.0.0.1:{upstream_a}; server 127.0.0.1:{upstream_b}; }}
    # Test-only pinning: production balances freely (deploy/nginx/hms.conf).
    map $cookie_hms_pin $hms_upstream {{ a hms_a; b hms_b; default hms; }}
    server {{
        listen 127.0.0.1:{port};
        add_header X-HMS-Upstream $upstream_addr always;
        location / {{
            proxy_pass http://$hms_upstream;
            include {proxy};
        }}
    }}
}}
"""


def _database_env() -> dict[str, str]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {"DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"}


@pytest.fixture
def cluster(transactional_db, tmp_path):
    """nginx on one port in front of two Daphne processes; yields (base url, port a, port b)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    ports = {"a": _free_port(8860), "b": None}
    ports["b"] = _free_port(ports["a"] + 1)
    front = _free_port(ports["b"] + 1)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        **_database_env(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_KEY_PREFIX": f"scale{os.environ.get('PYTEST_XDIST_WORKER', '')}",
        "PRESENCE_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "PRESENCE_TTL_SECONDS": str(TTL),
        "HMS_RUN_DIR": str(tmp_path / "run"),
        "PRIVATE_FILES_ROOT": str(tmp_path / "files"),
    }
    children = []
    logs = []
    try:
        for name, port in ports.items():
            log = (tmp_path / f"daphne-{name}.log").open("w")
            logs.append(log)
            daphne = str(Path(sys.executable).parent / "daphne")
            children.append(subprocess.Popen(
                [daphne, "-b", "127.0.0.1", "-p", str(port), "hms.asgi:application"],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            ))  # fmt: skip
        (tmp_path / "nginx").mkdir()
        conf = tmp_path / "nginx" / "nginx.conf"
        conf.write_text(_nginx_conf(tmp_path / "nginx", front, ports["a"], ports["b"]))
        children.append(subprocess.Popen(
            [nginx, "-p", str(tmp_path / "nginx"), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        for port in (ports["a"], ports["b"], front):
            _wait_http(f"http://127.0.0.1:{port}/healthz/")
        yield f"http://127.0.0.1:{front}", ports["a"], ports["b"]
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        for log in logs:
            log.close()


def _pinned_page(browser, base: str, pin: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "hms_pin", "value": pin, "url": base}])
    return context.new_page()


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_two_processes_behind_nginx_share_presence_notifications_and_calls(cluster, browser, doctor, patient, hospital):
    base, port_a, port_b = cluster
    schedule = WeeklySchedule.objects.create(doctor=doctor, hospital=hospital, valid_from=datetime.date(2000, 1, 1))
    for weekday in range(7):
        ScheduleRange.objects.create(
            schedule=schedule, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )
    call = video_appointment_for(doctor, patient, hospital, starts_in_minutes=2)

    doctor_page = _pinned_page(browser, base, "a")
    patient_page = _pinned_page(browser, base, "b")
    try:
        # The patient (process B) looks at the doctor's profile: offline.
        _login(patient_page, base, patient.user.email)
        response = patient_page.goto(f"{base}/doctors/{doctor.pk}/")
        assert response.headers["x-hms-upstream"] == f"127.0.0.1:{port_b}"
        badge = patient_page.locator(f"[data-presence-doctor='{doctor.pk}']")
        expect(patient_page.locator("body[data-presence-live='1']")).to_be_attached(timeout=LIVE)
        expect(badge).to_have_text(re.compile("Offline"), timeout=LIVE)

        # The doctor (process A) opens the dashboard: the patient's page on B shows them online, live.
        _login(doctor_page, base, doctor.user.email)
        response = doctor_page.goto(f"{base}/dashboard/")
        assert response.headers["x-hms-upstream"] == f"127.0.0.1:{port_a}"
        bell = doctor_page.get_by_role("link", name=re.compile(r"^Notifications, \d+ unread"))
        expect(doctor_page.locator("#notification-bell[data-live='1']")).to_be_attached(timeout=LIVE)
        expect(bell).to_have_accessible_name("Notifications, 0 unread")
        expect(badge).to_have_text(re.compile("Online"), timeout=LIVE)

        # A booking made through B reaches the doctor's socket held by A.
        patient_page.get_by_role("link", name="Book").first.click()
        patient_page.get_by_text(re.compile(r"^\d\d:\d\d$")).first.click()
        patient_page.get_by_role("button", name="Book appointment").click()
        expect(patient_page.get_by_role("heading", name="Appointment confirmed")).to_be_visible()
        expect(bell).to_have_accessible_name("Notifications, 1 unread", timeout=LIVE)
        expect(doctor_page.locator(".toast").filter(has_text="New appointment")).to_be_visible(timeout=LIVE)

        # A video call: the doctor's signalling socket on A, the patient's on B, relayed through Redis.
        doctor_page.goto(f"{base}/appointments/{call.pk}/call/")
        patient_page.goto(f"{base}/appointments/{call.pk}/call/")
        for page in (doctor_page, patient_page):
            expect(page.locator("#call-state")).to_have_attribute("data-state", "connected", timeout=30_000)
        patient_page.get_by_label("Message").fill("Across two processes")
        patient_page.get_by_role("button", name="Send").click()
        expect(doctor_page.get_by_role("list", name="Chat history")).to_contain_text("Across two processes")

        # The doctor is still in the call (A): the patient's profile page on B shows them busy; then they close
        # every tab and it shows them offline.
        patient_page.goto(f"{base}/doctors/{doctor.pk}/")
        expect(patient_page.locator("body[data-presence-live='1']")).to_be_attached(timeout=LIVE)
        expect(badge).to_have_text(re.compile("Busy"), timeout=LIVE)
        doctor_page.context.close()
        expect(badge).to_have_text(re.compile("Offline"), timeout=(TTL + 3 * HEARTBEAT) * 1000)
    finally:
        for page in (doctor_page, patient_page):
            if not page.is_closed():
                page.context.close()
