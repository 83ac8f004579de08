"""Issue 12: the scale generator, pages that stay bounded as data grows, searches that use indexes, and a
pooled server that holds no more connections than its bound."""

import datetime
import io
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment
from appointments.selectors import desk_patient_search
from appointments.tests.factories import AppointmentFactory
from hospitals.models import Hospital
from patients.models import PatientProfile
from patients.selectors import patient_ids_matching
from prescriptions.models import Prescription, VisitNote

pytestmark = pytest.mark.django_db
DOMAIN = "scale.example"
IS_POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def scale(db):
    call_command(
        "generate_scale_data", hospitals=2, doctors=4, patients=40, appointments=600, days_past=60, days_future=10,
        heavy_visits=45, stdout=io.StringIO(),
    )  # fmt: skip
    return {
        "heavy": PatientProfile.objects.get(user__email=f"heavy@{DOMAIN}"),
        "hospital": Hospital.objects.get(slug="scale-hospital-1"),
    }


def login(client, email: str) -> None:
    client.force_login(User.objects.get(email=email))


def test_generator_loads_a_consistent_network(scale):
    assert Hospital.objects.filter(slug__startswith="scale-hospital-").count() == 2
    assert Appointment.objects.count() == 600
    heavy = scale["heavy"]
    assert VisitNote.objects.filter(patient=heavy).count() == 45
    assert Appointment.objects.filter(patient=heavy, status=Appointment.Status.COMPLETED).count() == 45
    # Every completed appointment has its visit note; prescriptions hang off visits.
    assert VisitNote.objects.count() == Appointment.objects.filter(status=Appointment.Status.COMPLETED).count()
    assert not Prescription.objects.exclude(visit__patient=F("patient")).exists()
    # No doctor and no patient is double-booked (the database constraints were rebuilt over the loaded rows).
    active = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)
    for column in ("doctor_id", "patient_id"):
        pairs = list(active.values_list(column, "start_at"))
        assert len(pairs) == len(set(pairs))
    # Sequences continue after the bulk load: ordinary inserts still work.
    User.objects.create_user(email="after-load@example.org", password="x" * 12, full_name="After Load")
    with pytest.raises(Exception, match="already has scale data"):
        call_command("generate_scale_data", hospitals=1, doctors=1, patients=1, appointments=1, stdout=io.StringIO())


def test_long_history_is_paged_with_flat_queries(scale, client):
    heavy = scale["heavy"]
    login(client, f"heavy@{DOMAIN}")
    url = reverse("patients:history", args=[heavy.pk])
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert page.count("Visit with ") == 20 and "Page 1 of 3" in page
    with CaptureQueriesContext(connection) as last:
        page = client.get(url, {"page": 3}).content.decode()
    assert page.count("Visit with ") == 5
    assert len(last) <= len(first) + 1  # the page boundary for documents is one more small query


def test_platform_patients_counts_appointments_per_page_only(scale, client, django_assert_max_num_queries):
    login(client, f"super@{DOMAIN}")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("accounts:platform_patients"))
    shown = response.context["page"].object_list
    assert len(shown) == 25
    for patient in shown:
        assert patient.appointment_count == Appointment.objects.filter(patient=patient).count()
    heavy = scale["heavy"]
    found = client.get(reverse("accounts:platform_patients"), {"q": heavy.patient_number}).context["page"]
    assert [p.pk for p in found.object_list] == [heavy.pk]
    assert set(patient_ids_matching(heavy.user.full_name.split()[0]).values_list("pk", flat=True)) >= {heavy.pk}


@pytest.mark.parametrize("count", [1, 12])
def test_front_desk_query_count_does_not_grow_with_the_day(
    staff, hospital, count, client_for, django_assert_max_num_queries
):
    start = timezone.now().astimezone(hospital.tz).replace(hour=9, minute=0, second=0, microsecond=0)
    for n in range(count):
        AppointmentFactory(hospital=hospital, start_at=start + datetime.timedelta(minutes=30 * n))
    client = client_for(staff)
    with django_assert_max_num_queries(10):  # the same for 1 and 12 rows (was one extra query per row)
        page = client.get(reverse("appointments:desk")).content.decode()
    assert page.count("Check in") >= count


def test_desk_search_finds_by_number_email_and_local_name(scale):
    hospital = scale["hospital"]
    heavy = scale["heavy"]
    assert desk_patient_search(hospital, heavy.patient_number.lower()) == [heavy]
    assert desk_patient_search(hospital, heavy.user.email.upper()) == [heavy]
    local = PatientProfile.objects.filter(appointments__hospital=hospital).exclude(pk=heavy.pk).first()
    assert local in desk_patient_search(hospital, local.user.full_name)


def _plan(sql_from, *, seqscan: bool = False, bitmap_only: bool = False) -> str:
    """The query plan of the first query `sql_from()` runs. On PostgreSQL seq scans are priced out (tiny test
    tables would otherwise be read whole), and with bitmap_only plain index scans too: an index the query cannot
    use then shows up as a Seq Scan after all."""
    with CaptureQueriesContext(connection) as queries:
        sql_from()
    sql = queries.captured_queries[0]["sql"]
    with transaction.atomic(), connection.cursor() as cursor:
        if IS_POSTGRES:
            if not seqscan:
                cursor.execute("SET LOCAL enable_seqscan = off")
            if bitmap_only:
                cursor.execute("SET LOCAL enable_indexscan = off")
                cursor.execute("SET LOCAL enable_indexonlyscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row) for row in cursor.fetchall())


def test_login_lookup_uses_the_lower_case_email_index(patient):
    def lookup():
        assert User.objects.get_by_natural_key("PAT@Example.ORG") == patient.user

    plan = _plan(lookup)
    assert "user_email_ci_unique" in plan
    assert "Seq Scan" not in plan and "SCAN accounts_user" not in plan


@pytest.mark.postgres
def test_searches_use_trigram_indexes_on_postgres(scale):
    def platform_search():
        list(PatientProfile.objects.filter(pk__in=patient_ids_matching("kumar"))[:5])

    plan = _plan(platform_search, bitmap_only=True)
    assert "accounts_user_full_name_trgm" in plan and "patients_patient_number_trgm" in plan
    assert "Seq Scan on accounts_user" not in plan

    plan = _plan(lambda: desk_patient_search(scale["hospital"], "priya shah"), bitmap_only=True)
    assert "accounts_user_full_name_trgm" in plan and "Seq Scan on accounts_user" not in plan


# --- the production server: bounded connections, clean SIGTERM -------------------------------------


SERVER_APP_NAME = "hms-pool-bound-test"


def _connections(dbname: str) -> int:
    """Connections the server processes hold (libpq tags them with PGAPPNAME)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [dbname, SERVER_APP_NAME],
        )
        return cursor.fetchone()[0]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_two_server_processes_stay_within_the_pool_bound_and_stop_on_sigterm(transactional_db):
    port = _free_port()
    base = Path(__file__).resolve().parents[2]
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    max_size = 4
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_POOL": "1", "DATABASE_POOL_MAX_SIZE": str(max_size),
           "DEBUG": "0", "SECRET_KEY": "t" * 50, "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1",
           "LOG_LEVEL": "WARNING", "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "PGAPPNAME": SERVER_APP_NAME}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "hms/gunicorn.conf.py", "hms.asgi:application"],
        cwd=base, env=env, start_new_session=True,
    )  # fmt: skip
    health = f"http://127.0.0.1:{port}/healthz/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(health, timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        peak, statuses, stop = [0], [], threading.Event()

        def sample():
            try:
                while not stop.is_set():
                    peak[0] = max(peak[0], _connections(db["NAME"]))
                    time.sleep(0.05)
            finally:
                connection.close()  # this thread's own connection goes back to the pool

        def hit(n: int):
            for _ in range(n):
                with urllib.request.urlopen(health, timeout=30) as response:
                    statuses.append(response.status)

        sampler = threading.Thread(target=sample)
        sampler.start()
        workers = [threading.Thread(target=hit, args=(50,)) for _ in range(20)]  # 1,000 requests, 20 at a time
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        stop.set()
        sampler.join()
        assert statuses.count(200) == 1000
        assert 0 < peak[0] <= 2 * max_size
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            exit_code = server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise AssertionError("the server ignored SIGTERM") from None
    assert exit_code == 0
    time.sleep(0.5)
    assert _connections(db["NAME"]) == 0  # the pools closed their connections on the way out
