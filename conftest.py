"""Shared test fixtures: named personas (one per role, plus a second of each that must NOT see the
first one's data), logged-in clients, and the browser + live Daphne server for end-to-end tests."""

import os
import shutil
from functools import partial

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from doctors.tests.factories import DoctorFactory, SpecializationFactory
from hospitals.models import HospitalMembership
from hospitals.tests.factories import AffiliationFactory, DepartmentFactory, HospitalFactory, MembershipFactory
from patients.testing import allow_test_flush_of_access_log
from patients.tests.factories import PatientFactory

allow_test_flush_of_access_log()  # PostgreSQL: the access log refuses TRUNCATE (issue 11)

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse ORM calls
# made by the test body itself. The live server process clears this again (see _daphne_setup).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    # Uploaded files of one test never leak into another test or into the developer's folder.
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = settings.PRIVATE_FILES_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache():
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    from django.conf import settings
    from django.core.cache import cache

    if not settings.REDIS_URL:
        cache.clear()
        return
    # RedisCache.clear() is FLUSHDB: it would wipe the other test workers' keys, channel groups and
    # Celery queues on the same Redis. Delete only this worker's keys (KEY_PREFIX, see settings).
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=cache.make_key("*"), count=1000):
        client.delete(key)


# --- personas ---------------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def specialization(db):
    return SpecializationFactory(name="Cardiology", slug="cardiology")


@pytest.fixture
def hospital(db):
    return HospitalFactory(name="City Care", slug="city-care", city="Bengaluru", time_zone="Asia/Kolkata")


@pytest.fixture
def other_hospital(db):
    return HospitalFactory(name="Spree Klinikum", slug="spree", city="Berlin", time_zone="Europe/Berlin")


@pytest.fixture
def department(hospital):
    return DepartmentFactory(hospital=hospital, name="Cardiology")


@pytest.fixture
def super_admin(db) -> User:
    return UserFactory(
        email="root@example.org", full_name="Root Admin", role=User.Role.SUPER_ADMIN, is_staff=True, is_superuser=True
    )


def _hospital_admin(hospital, email: str) -> User:
    membership = MembershipFactory(
        hospital=hospital, role=HospitalMembership.Role.ADMIN,
        user=UserFactory(email=email, full_name="Hospital Admin", role=User.Role.HOSPITAL_ADMIN),
    )  # fmt: skip
    return membership.user


@pytest.fixture
def hospital_admin(hospital) -> User:
    return _hospital_admin(hospital, "hadmin@example.org")


@pytest.fixture
def other_hospital_admin(other_hospital) -> User:
    return _hospital_admin(other_hospital, "hadmin2@example.org")


@pytest.fixture
def staff(hospital) -> User:
    return MembershipFactory(
        hospital=hospital, role=HospitalMembership.Role.FRONT_DESK,
        user=UserFactory(email="desk@example.org", full_name="Front Desk", role=User.Role.STAFF),
    ).user  # fmt: skip


@pytest.fixture
def doctor(hospital, department, specialization):
    """A DoctorProfile active at `hospital`."""
    profile = DoctorFactory(
        user=UserFactory(email="doc@example.org", full_name="Asha Rao", role=User.Role.DOCTOR),
        specializations=[specialization],
    )
    AffiliationFactory(doctor=profile, hospital=hospital, department=department)
    return profile


@pytest.fixture
def other_doctor(other_hospital):
    profile = DoctorFactory(user=UserFactory(email="doc2@example.org", full_name="Lukas Becker", role=User.Role.DOCTOR))
    AffiliationFactory(doctor=profile, hospital=other_hospital)
    return profile


@pytest.fixture
def patient(db):
    return PatientFactory(user=UserFactory(email="pat@example.org", full_name="Pat Kumar", role=User.Role.PATIENT))


@pytest.fixture
def other_patient(db):
    return PatientFactory(user=UserFactory(email="pat2@example.org", full_name="Paula Schmidt", role=User.Role.PATIENT))


@pytest.fixture
def client_for():
    """client_for(user) -> a test Client logged in as that user (anonymous for None)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


# --- browser + live server ---------------------------------------------------------------------


def _daphne_setup():
    from channels.layers import channel_layers
    from channels.testing.live import set_database_connection

    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    set_database_connection()
    # A channel layer created in the parent (its Redis sockets) must not be shared with the forked server.
    channel_layers.backends.clear()


@pytest.fixture(scope="module")
def _daphne_server(django_db_setup, django_db_blocker):
    """One Daphne process (HTTP + websockets) per test module, on the test database.

    Per module, not per session: the embedded defaults keep presence and the channel layer in the server's
    own memory, which the test process cannot reset, and SQLite hands the same ids to the next test's rows
    (a stale "doctor 1 is online" from another module would leak into this one)."""
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections

    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            pytest.fail("Browser tests need a file database (settings TEST NAME).")
    server = DaphneProcess(
        "127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler), setup=_daphne_setup
    )
    server.daemon = True
    # The child is forked: it inherits pytest-django's "no database" guard unless we lift it first.
    with django_db_blocker.unblock():
        server.start()
    if not server.ready.wait(timeout=30) or not server.port.value:
        pytest.fail(f"Daphne did not start: {server.errors.get() if not server.errors.empty() else 'timeout'}")
    yield f"http://127.0.0.1:{server.port.value}"
    server.terminate()
    server.join(timeout=10)


@pytest.fixture
def live_url(transactional_db, _daphne_server) -> str:
    """Base URL of the live ASGI server; test data must be committed (transactional_db)."""
    return _daphne_server


@pytest.fixture(scope="session")
def _playwright():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.exit(f"Browser tests need {CHROMIUM}: run `apt-get install chromium` (make test does this as root).", 2)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            # Video-call tests: a fake camera/microphone and no permission prompt.
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        ],
    )  # fmt: skip
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser):
    """new_page() -> a Page in a fresh browser context (separate cookies), closed after the test."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def browser_login(live_url):
    """browser_login(page, email) logs in through the real login form, the way a person does."""

    def login(page, email: str, password: str = TEST_PASSWORD) -> None:
        page.goto(f"{live_url}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return login
