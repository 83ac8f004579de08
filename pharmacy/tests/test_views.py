"""Pharmacy pages: who may open them, scoping (404 for another hospital's objects), bad input through the
forms, query budgets, the doctor's in-stock hint without costs, the patient's dispensing status, and the admin."""

import csv
import datetime
import io
import uuid

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from hospitals.models import HospitalMembership
from hospitals.tests.factories import MembershipFactory
from pharmacy.models import Batch, Dispense, StockMovement
from pharmacy.selectors import local_today
from pharmacy.services import prescription_dispense
from pharmacy.tests.factories import catalogue, issued_prescription, make_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def rx(doctor, patient, hospital):
    return issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 30)])


@pytest.fixture
def stocked(hospital, amlodipine):
    return make_batch(hospital, amlodipine, 100, number="AML-1")


def test_anonymous_visitors_are_sent_to_login(client):
    for name in ["queue", "stock", "receive", "movements", "near_expiry", "low_stock", "reorder_levels"]:
        response = client.get(reverse(f"pharmacy:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_only_pharmacists_reach_the_dispensary(client_for, pharmacist, staff, doctor, patient, hospital_admin):
    assert client_for(pharmacist).get(reverse("pharmacy:queue")).status_code == 200
    for user in [staff, doctor.user, patient.user, hospital_admin]:
        assert client_for(user).get(reverse("pharmacy:queue")).status_code == 403, user
    for user in [staff, doctor.user, patient.user]:
        assert client_for(user).get(reverse("pharmacy:stock")).status_code == 403, user
    assert client_for(hospital_admin).get(reverse("pharmacy:stock")).status_code == 200
    assert client_for(pharmacist).get(reverse("pharmacy:reorder_levels")).status_code == 403


def test_pharmacists_land_on_their_own_dashboard_with_pharmacy_navigation(client_for, pharmacist, staff):
    response = client_for(pharmacist).get(reverse("dashboard"))
    assert response["Location"] == reverse("pharmacy:queue")
    page = client_for(pharmacist).get(reverse("pharmacy:queue")).content.decode()
    assert "Dispensing queue" in page and "Book for a patient" not in page
    assert client_for(staff).get(reverse("dashboard"))["Location"] == reverse("hospitals:staff_dashboard")


def test_another_hospitals_pharmacist_gets_404_for_its_objects_and_sees_none_in_lists(
    client_for, rx, stocked, pharmacist, other_pharmacist
):
    record = prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 5})
    outsider = client_for(other_pharmacist)
    for url in [
        reverse("pharmacy:dispense", args=[rx.pk]),
        reverse("pharmacy:batch", args=[stocked.pk]),
        reverse("pharmacy:slip", args=[record.pk]),
    ]:
        assert outsider.get(url).status_code == 404, url
    assert (
        outsider.post(reverse("pharmacy:adjust", args=[stocked.pk]), {"quantity": -5, "reason": "x"}).status_code == 404
    )
    assert rx.number not in outsider.get(reverse("pharmacy:queue")).content.decode()
    assert "AML-1" not in outsider.get(reverse("pharmacy:movements")).content.decode()
    assert "Amlodipine" not in outsider.get(reverse("pharmacy:stock")).content.decode()
    assert Batch.objects.get(pk=stocked.pk).on_hand == 95


def test_queue_is_newest_first_and_searchable(client_for, doctor, patient, other_patient, hospital, pharmacist):
    first = issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 5)])
    second = issued_prescription(doctor, other_patient, hospital, [("Amlodipine", "5 mg", "Tablet", 5)])
    client = client_for(pharmacist)
    page = client.get(reverse("pharmacy:queue")).content.decode()
    assert page.index(second.number) < page.index(first.number)
    found = client.get(reverse("pharmacy:queue"), {"q": "paula"}).content.decode()
    assert second.number in found and first.number not in found
    by_number = client.get(reverse("pharmacy:queue"), {"q": patient.patient_number}).content.decode()
    assert first.number in by_number and second.number not in by_number


def _post(client, rx, quantity, *, batch="", token=None):
    item = rx.items.get()
    data = {"token": str(token or uuid.uuid4()), f"qty-{item.pk}": quantity, f"batch-{item.pk}": batch}
    return client.post(reverse("pharmacy:dispense", args=[rx.pk]), data)


def test_dispense_page_proposes_fefo_batches_and_says_why_one_is_not_offered(
    client_for, rx, hospital, amlodipine, pharmacist
):
    make_batch(hospital, amlodipine, 20, number="LATE", days=300)
    make_batch(hospital, amlodipine, 12, number="SOON", days=30)
    make_batch(hospital, amlodipine, 50, number="OLD", expiry=local_today(hospital))
    page = client_for(pharmacist).get(reverse("pharmacy:dispense", args=[rx.pk])).content.decode()
    assert page.index("SOON") < page.index("LATE")
    assert "Near expiry" in page and "it can only be written off" in page
    assert 'name="qty-' in page and 'value="30"' in page


def test_dispense_through_the_page_then_the_slip(client_for, rx, stocked, pharmacist, patient):
    client = client_for(pharmacist)
    response = _post(client, rx, "12")
    record = Dispense.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("pharmacy:slip", args=[record.pk])
    slip = client.get(response["Location"]).content.decode()
    assert "AML-1" in slip and "Pat Kumar" in slip and ">12<" in slip
    assert Batch.objects.get(pk=stocked.pk).on_hand == 88


@pytest.mark.parametrize("quantity", ["0", "-3", "abc", "1.5", "99999999999999999999999"])
def test_bad_quantities_get_a_message_and_change_nothing(client_for, rx, stocked, pharmacist, quantity):
    response = _post(client_for(pharmacist), rx, quantity)
    assert response.status_code == 400
    assert "whole number" in response.content.decode().lower() or "too many" in response.content.decode()
    assert (
        Batch.objects.get(pk=stocked.pk).on_hand == 100 and not StockMovement.objects.filter(kind="dispense").exists()
    )


def test_foreign_and_expired_batch_ids_posted_by_hand_are_refused(
    client_for, rx, stocked, hospital, other_hospital, amlodipine, pharmacist
):
    foreign = make_batch(other_hospital, amlodipine, 100)
    expired = make_batch(hospital, amlodipine, 100, expiry=local_today(hospital) - datetime.timedelta(days=2))
    client = client_for(pharmacist)
    for batch, message in [
        (foreign, "not in this dispensary"),
        (expired, "can only be written off"),
        ("junk", "whole"),
    ]:
        response = _post(client, rx, "5", batch=getattr(batch, "pk", batch))
        assert response.status_code == 400 and message in response.content.decode()
    assert not StockMovement.objects.filter(kind="dispense").exists()


def test_a_double_click_on_dispense_dispenses_once(client_for, rx, stocked, pharmacist):
    client = client_for(pharmacist)
    token = uuid.uuid4()
    assert _post(client, rx, "10", token=token).status_code == 302
    response = _post(client, rx, "10", token=token)
    assert response.status_code == 302 and response["Location"] == reverse("pharmacy:dispense", args=[rx.pk])
    assert "already recorded" in client.get(response["Location"]).content.decode()
    assert Batch.objects.get(pk=stocked.pk).on_hand == 90


def test_superseded_version_page_says_why(client_for, rx, doctor, stocked, pharmacist):
    from prescriptions.services import prescription_correct, prescription_issue

    newer = prescription_issue(
        actor=doctor.user, prescription=prescription_correct(actor=doctor.user, prescription=rx, reason="dose")
    )
    page = client_for(pharmacist).get(reverse("pharmacy:dispense", args=[rx.pk])).content.decode()
    assert "Superseded" in page and newer.number in page and 'name="qty-' not in page
    response = _post(client_for(pharmacist), rx, "5")
    assert response.status_code == 400 and "superseded" in response.content.decode()


def test_return_and_receive_and_write_off_pages(client_for, rx, stocked, pharmacist, amlodipine, hospital):
    client = client_for(pharmacist)
    _post(client, rx, "10")
    given = StockMovement.objects.get(kind="dispense")
    client.post(reverse("pharmacy:return", args=[rx.pk]), {"movement": given.pk, "quantity": 4, "reason": "unused"})
    assert Batch.objects.get(pk=stocked.pk).on_hand == 94
    bad = client.post(reverse("pharmacy:return", args=[rx.pk]), {"movement": given.pk, "quantity": 7, "reason": "x"})
    assert "Only 6 unit" in client.get(bad["Location"]).content.decode()

    expiry = (local_today(hospital) + datetime.timedelta(days=400)).isoformat()
    form = {"product": amlodipine.pk, "batch_number": "NEW-9", "expires_on": expiry, "quantity": 25,
            "cost_price": "1.10", "sale_price": "2.20"}  # fmt: skip
    response = client.post(reverse("pharmacy:receive"), form)
    batch = Batch.objects.get(batch_number="NEW-9")
    assert response["Location"] == reverse("pharmacy:batch", args=[batch.pk]) and batch.on_hand == 25
    bad = client.post(reverse("pharmacy:receive"), {**form, "quantity": "-3"})
    assert bad.status_code == 400 and Batch.objects.get(pk=batch.pk).on_hand == 25
    client.post(reverse("pharmacy:write_off", args=[batch.pk]), {"quantity": 5, "reason": "Damaged"})
    assert Batch.objects.get(pk=batch.pk).on_hand == 20


def _many_prescriptions(doctor, patient, hospital, count):
    for _ in range(count):
        issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 5)])


@pytest.mark.parametrize("url_name", ["queue", "stock", "movements", "near_expiry", "low_stock"])
def test_lists_keep_a_flat_query_count(
    client_for, django_assert_max_num_queries, pharmacist, doctor, patient, hospital, url_name
):
    client = client_for(pharmacist)
    products = [catalogue("Amlodipine", "5 mg"), catalogue("Paracetamol", "500 mg"), catalogue("Metformin", "500 mg")]
    _many_prescriptions(doctor, patient, hospital, 1)
    make_batch(hospital, products[0], 10, days=30)
    client.get(reverse(f"pharmacy:{url_name}"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(f"pharmacy:{url_name}")).status_code == 200
    _many_prescriptions(doctor, patient, hospital, 12)
    for n in range(24):
        make_batch(hospital, products[n % 3], 10, days=30 + n)
    with django_assert_max_num_queries(len(one)):
        assert client.get(reverse(f"pharmacy:{url_name}")).status_code == 200
    assert len(one) <= 15


def test_dispense_page_keeps_a_flat_query_count(
    client_for, django_assert_max_num_queries, doctor, patient, hospital, pharmacist
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    names = [("Amlodipine", "5 mg"), ("Paracetamol", "500 mg"), ("Metformin", "500 mg"), ("Atorvastatin", "10 mg")]
    small = issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 10)])
    big = issued_prescription(doctor, patient, hospital, [(n, s, "Tablet", 10) for n, s in names])
    for name, strength in names:
        for days in (30, 60, 400):
            make_batch(hospital, catalogue(name, strength), 10, days=days)
    client = client_for(pharmacist)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("pharmacy:dispense", args=[small.pk]))
    with django_assert_max_num_queries(len(one)):
        client.get(reverse("pharmacy:dispense", args=[big.pk]))
    assert len(one) <= 15, "\n".join(q["sql"][:150] for q in one.captured_queries)


def test_doctor_sees_in_stock_yes_no_but_never_a_cost(client_for, doctor, hospital, amlodipine, care_appointment):
    make_batch(hospital, amlodipine, 10, cost="7.77", price="9.99")
    client = client_for(doctor.user)
    data = client.get(
        reverse("prescriptions:medicine_search"), {"q": "amlodipine", "visit": care_appointment.pk}
    ).json()
    by_label = {r["label"]: r for r in data["results"]}
    assert by_label["Amlodipine 5 mg tablet"]["in_stock"] is True
    assert by_label["Amlodipine 10 mg tablet"]["in_stock"] is False
    assert "7.77" not in str(data) and "9.99" not in str(data) and "price" not in str(data)
    # Without a visit of theirs, no stock is revealed.
    assert client.get(reverse("prescriptions:medicine_search"), {"q": "amlodipine", "visit": 999999}).json()[
        "results"][0]["in_stock"] is None  # fmt: skip


def test_patient_sees_per_item_dispensing_status_and_no_cost(client_for, rx, stocked, pharmacist, patient):
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 10})
    page = client_for(patient.user).get(reverse("prescriptions:detail", args=[rx.pk])).content.decode()
    assert "Partly dispensed" in page and "10 of 30 given" in page and "2.50" not in page


def test_hospital_admin_sets_reorder_levels_and_downloads_reports(
    client_for, hospital_admin, rx, stocked, pharmacist, amlodipine, hospital
):
    client = client_for(hospital_admin)
    client.post(reverse("pharmacy:reorder_levels"), {"product": amlodipine.pk, "reorder_level": 40})
    assert ">40<" in client.get(reverse("pharmacy:reorder_levels")).content.decode()
    assert (
        client.post(reverse("pharmacy:reorder_levels"), {"product": amlodipine.pk, "reorder_level": -1}).status_code
        == 400
    )
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={rx.items.get().pk: 30})
    today = local_today(hospital).isoformat()
    valuation = client.get(reverse("pharmacy:valuation_report"), {"as_of": today, "format": "csv"})
    rows = list(csv.reader(io.StringIO(valuation.content.decode())))
    assert rows[0][0] == "product" and rows[1][:4] == ["Amlodipine 5 mg tablet", "AML-1", rows[1][2], "70"]
    assert rows[1][5] == "70.00"  # 70 units at cost 1.00
    report = client.get(reverse("pharmacy:movement_report"), {"start": today, "end": today, "format": "csv"})
    kinds = [row[3] for row in csv.reader(io.StringIO(report.content.decode()))][1:]
    assert sorted(kinds) == ["dispense", "receive"]
    assert client.get(reverse("pharmacy:movement_report"), {"start": today, "end": "2000-01-01"}).status_code == 400
    assert client.get(reverse("pharmacy:valuation_report"), {"as_of": "junk"}).status_code == 400


def test_django_admin_is_scoped_and_movements_are_read_only(client_for, hospital, other_hospital, amlodipine):
    local = make_batch(hospital, amlodipine, 10, number="HERE-1")
    make_batch(other_hospital, amlodipine, 10, number="THERE-1")
    admin_user = MembershipFactory(
        hospital=hospital, role=HospitalMembership.Role.ADMIN,
        user=UserFactory(email="staffadmin@example.org", role=User.Role.HOSPITAL_ADMIN, is_staff=True),
    ).user  # fmt: skip
    from django.contrib.auth.models import Permission

    admin_user.user_permissions.set(Permission.objects.filter(content_type__app_label="pharmacy"))
    client = client_for(admin_user)
    batches = client.get(reverse("admin:pharmacy_batch_changelist")).content.decode()
    assert "HERE-1" in batches and "THERE-1" not in batches
    movements = client.get(reverse("admin:pharmacy_stockmovement_changelist")).content.decode()
    assert "HERE-1" in movements and "THERE-1" not in movements
    movement = StockMovement.objects.get(batch=local)
    assert (
        client.post(reverse("admin:pharmacy_stockmovement_delete", args=[movement.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert StockMovement.objects.filter(pk=movement.pk).exists()
