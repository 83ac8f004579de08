"""DATABASE_REPLICA_URL routing with two real database aliases: the replica is a separate database here, so
which one answered shows in the data."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from doctors.models import Specialization
from ops.db_router import REPLICA, PrimaryPinMiddleware, replica_reads, use_replica

DATABASES = ["default", REPLICA]


@pytest.fixture(scope="module")
def replica_alias(django_db_setup, django_db_blocker, tmp_path_factory):
    """A second alias on a database of its own (SQLite file), migrated like a replica would be by streaming."""
    replica = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path_factory.mktemp("replica") / "r.sqlite3")}
    connections.settings[REPLICA] = connections.configure_settings(
        {"default": connections.settings["default"], REPLICA: replica}
    )[REPLICA]
    with django_db_blocker.unblock(), connections[REPLICA].schema_editor() as editor:
        editor.create_model(Specialization)
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def both(replica_alias, request):
    request.applymarker(pytest.mark.django_db(databases=DATABASES))
    request.getfixturevalue("db")
    cache.clear()
    Specialization.objects.using("default").create(name="On the primary", slug="primary")
    Specialization.objects.using(REPLICA).create(name="On the replica", slug="replica")


def names() -> list[str]:
    return sorted(Specialization.objects.exclude(name="Cardiology").values_list("name", flat=True))


@replica_reads
def report_view(request):
    return HttpResponse(",".join(names()))


def plain_view(request):
    return HttpResponse(",".join(names()))


def write_view(request):
    Specialization.objects.create(name=f"Written by {request.user}", slug=f"w-{request.user.pk}")
    return HttpResponse(",".join(names()))


@replica_reads
def write_then_read_view(request):
    before = names()
    Specialization.objects.create(name="Fresh", slug="fresh")
    return HttpResponse(",".join(before) + "|" + ",".join(names()))


def serve(view, user, method="get"):
    request = getattr(RequestFactory(), method)("/")
    request.user = user
    request.session = None
    return PrimaryPinMiddleware(view)(request).content.decode()


@pytest.mark.django_db(databases=DATABASES)
def test_opted_in_reads_go_to_the_replica_and_everything_else_to_the_primary(both, patient, doctor):
    assert serve(report_view, patient.user) == "On the replica"
    assert serve(plain_view, patient.user) == "On the primary"  # not opted in: booking, payments, dispensing
    with use_replica():
        assert names() == ["On the replica"]
        with transaction.atomic():  # a write path reading what it will change
            assert names() == ["On the primary"]
    assert names() == ["On the primary"]


@pytest.mark.django_db(databases=DATABASES)
def test_a_users_reads_right_after_their_own_write_stay_on_the_primary(both, patient, doctor, settings):
    assert serve(write_view, patient.user, "post").startswith("On the primary")
    assert Specialization.objects.using("default").filter(slug=f"w-{patient.user.pk}").exists()
    assert not Specialization.objects.using(REPLICA).filter(slug=f"w-{patient.user.pk}").exists()
    # The writer is pinned to the primary for a while; everyone else still reads the replica.
    assert f"Written by {patient.user}" in serve(report_view, patient.user)
    assert serve(report_view, doctor.user) == "On the replica"
    assert serve(report_view, AnonymousUser()) == "On the replica"
    cache.clear()  # the pin expired (REPLICA_PIN_SECONDS)
    assert serve(report_view, patient.user) == "On the replica"
    # Within one request, a write moves the rest of that request's reads to the primary.
    before, after = serve(write_then_read_view, doctor.user).split("|")
    assert before == "On the replica" and "Fresh" in after
    assert Specialization.objects.using("default").filter(slug="fresh").exists()


@pytest.mark.django_db
def test_without_a_replica_opting_in_changes_nothing(patient):
    # Not using the module's replica alias: a deployment with one database.
    saved = connections.settings.pop(REPLICA, None)
    try:
        Specialization.objects.create(name="Only database", slug="only")
        assert serve(report_view, patient.user) == "Only database"
    finally:
        if saved is not None:
            connections.settings[REPLICA] = saved


def test_the_replica_is_never_migrated():
    from ops.db_router import ReplicaRouter

    assert ReplicaRouter().allow_migrate(REPLICA, "patients") is False
    assert ReplicaRouter().allow_migrate("default", "patients") is True
