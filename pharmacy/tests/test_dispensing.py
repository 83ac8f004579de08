"""Dispensing rules: FEFO across batches in the hospital's zone, partial and complete, superseded versions,
over-dispensing, unmapped lines, bad input, double submission, returns, low stock and the near-expiry digest."""

import datetime
import uuid
import zoneinfo

import pytest
from django.utils import timezone

from hospitals.tests.factories import HospitalFactory
from notifications.models import Notification
from pharmacy import selectors
from pharmacy.models import Batch, Dispense, NearExpiryDigest, StockLevel, StockMovement
from pharmacy.services import (
    AlreadyDispensedError,
    PharmacyError,
    dispense_return,
    fefo_batches_locked,
    item_map,
    near_expiry_digest_send,
    prescription_dispense,
    reorder_level_set,
    stock_adjust,
    stock_receive,
    stock_write_off,
)
from pharmacy.tests.factories import catalogue, issued_prescription, make_batch, pharmacist_of
from prescriptions.services import prescription_correct, prescription_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def rx(doctor, patient, hospital):
    return issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 30)])


def line(prescription):
    return prescription.items.get()


def on_hand(*batches):
    return [Batch.objects.get(pk=b.pk).on_hand for b in batches]


def test_fefo_splits_across_earliest_unexpired_batches(rx, hospital, amlodipine, pharmacist):
    late = make_batch(hospital, amlodipine, 50, days=300)
    soon = make_batch(hospital, amlodipine, 8, days=20)
    expired = make_batch(hospital, amlodipine, 40, expiry=selectors.local_today(hospital))
    middle = make_batch(hospital, amlodipine, 10, days=100)

    prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: 20})

    assert on_hand(soon, middle, late, expired) == [0, 0, 48, 40]
    moves = StockMovement.objects.filter(kind="dispense").order_by("id")
    assert [(m.batch_id, m.quantity) for m in moves] == [(soon.pk, -8), (middle.pk, -10), (late.pk, -2)]


def test_expiry_is_judged_in_the_hospitals_zone():
    """Pick a zone whose date differs from the UTC date right now: a batch expiring on that zone's today is not
    offered, one expiring tomorrow there is (a UTC "today" gets one of the two wrong)."""
    now = timezone.now()
    zone = next(
        z for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
        if timezone.localtime(now, zoneinfo.ZoneInfo(z)).date() != now.date()
    )  # fmt: skip
    far = HospitalFactory(time_zone=zone)
    today = selectors.local_today(far)
    assert today != now.date()
    product = catalogue("Amlodipine", "5 mg")
    expiring = make_batch(far, product, 5, expiry=today)
    tomorrow = make_batch(far, product, 5, expiry=today + datetime.timedelta(days=1))
    assert "Expired on" in selectors.batch_not_offered_reason(expiring, today)
    assert selectors.in_stock_product_ids(far, [product.pk]) == {product.pk}
    pharmacist = pharmacist_of(far)
    picked = fefo_batches_locked(hospital=far, product=product, today=today, quantity=10)
    assert [batch.pk for batch in picked] == [tomorrow.pk]
    assert pharmacist  # the pharmacist exists only to make the hospital a working dispensary


def test_near_expiry_flag_uses_the_ninety_day_window(hospital, amlodipine):
    today = selectors.local_today(hospital)
    near = make_batch(hospital, amlodipine, 5, days=90)
    far = make_batch(hospital, amlodipine, 5, days=91)
    assert selectors.batch_is_near_expiry(near, today) and not selectors.batch_is_near_expiry(far, today)
    assert list(selectors.near_expiry_batches(hospital)) == [near]


def test_partial_then_the_rest_then_over_dispensing_is_refused(rx, hospital, amlodipine, pharmacist, patient):
    make_batch(hospital, amlodipine, 100)
    item = line(rx)
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={item.pk: 12})
    [row] = selectors.prescription_progress(rx)
    assert (row.status, row.dispensed, row.remaining) == ("partial", 12, 18)
    assert Notification.objects.filter(recipient=patient.user, kind="prescription_dispensed").count() == 1

    with pytest.raises(PharmacyError, match="18 unit"):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={item.pk: 19})
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={item.pk: 18})
    [row] = selectors.prescription_progress(rx)
    assert (row.status, row.dispensed) == ("complete", 30)
    with pytest.raises(PharmacyError, match="0 unit"):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={item.pk: 1})
    assert -sum(StockMovement.objects.filter(kind="dispense").values_list("quantity", flat=True)) == 30


def test_superseded_version_is_refused_with_the_reason(rx, doctor, hospital, amlodipine, pharmacist):
    make_batch(hospital, amlodipine, 100)
    draft = prescription_correct(actor=doctor.user, prescription=rx, reason="dose")
    newer = prescription_issue(actor=doctor.user, prescription=draft)
    with pytest.raises(PharmacyError, match=f"superseded by a corrected version \\({newer.number}\\)"):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: 1})
    assert not StockMovement.objects.filter(kind="dispense").exists() and not Dispense.objects.exists()
    prescription_dispense(actor=pharmacist, prescription=newer, quantities={line(newer).pk: 30})


def test_typed_in_line_is_not_dispensable_until_mapped(doctor, patient, hospital, pharmacist, paracetamol):
    rx = issued_prescription(doctor, patient, hospital, [("Crocin", "500", "Tab", 10)])
    item = line(rx)
    make_batch(hospital, paracetamol, 50)
    with pytest.raises(PharmacyError, match="not dispensable until it is mapped"):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={item.pk: 10})
    item_map(actor=pharmacist, item=item, product=paracetamol)
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={item.pk: 10})
    assert selectors.prescription_progress(rx)[0].status == "complete"
    with pytest.raises(PharmacyError, match="already dispensed"):
        item_map(actor=pharmacist, item=item, product=catalogue("Ibuprofen", "200 mg"))


@pytest.mark.parametrize("quantity", [0, -3, 10**9])
def test_bad_quantities_change_nothing(rx, hospital, amlodipine, pharmacist, quantity):
    batch = make_batch(hospital, amlodipine, 100)
    with pytest.raises(PharmacyError):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: quantity})
    assert on_hand(batch) == [100] and not Dispense.objects.exists()


def test_another_hospitals_batch_or_an_expired_batch_posted_by_hand_is_refused(
    rx, hospital, other_hospital, amlodipine, pharmacist
):
    good = make_batch(hospital, amlodipine, 100)
    foreign = make_batch(other_hospital, amlodipine, 100)
    expired = make_batch(hospital, amlodipine, 100, expiry=selectors.local_today(hospital) - datetime.timedelta(days=1))
    item = line(rx)
    with pytest.raises(PharmacyError, match="not in this dispensary's stock"):
        prescription_dispense(
            actor=pharmacist, prescription=rx, quantities={item.pk: 5}, batch_choices={item.pk: foreign.pk}
        )
    with pytest.raises(PharmacyError, match=r"Expired on .* can only be written off"):
        prescription_dispense(
            actor=pharmacist, prescription=rx, quantities={item.pk: 5}, batch_choices={item.pk: expired.pk}
        )
    assert on_hand(good, foreign, expired) == [100, 100, 100]
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={item.pk: 5}, batch_choices={item.pk: good.pk})
    assert on_hand(good) == [95]


def test_a_pharmacist_of_another_hospital_cannot_dispense(rx, hospital, amlodipine, other_pharmacist):
    make_batch(hospital, amlodipine, 100)
    with pytest.raises(PharmacyError, match="another hospital"):
        prescription_dispense(actor=other_pharmacist, prescription=rx, quantities={line(rx).pk: 5})


def test_the_same_form_submitted_twice_dispenses_once(rx, hospital, amlodipine, pharmacist):
    batch = make_batch(hospital, amlodipine, 100)
    token = uuid.uuid4()
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: 10}, token=token)
    with pytest.raises(AlreadyDispensedError):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: 10}, token=token)
    assert on_hand(batch) == [90] and Dispense.objects.count() == 1


def test_not_enough_usable_stock_is_refused_whole(rx, hospital, amlodipine, pharmacist):
    batch = make_batch(hospital, amlodipine, 7)
    make_batch(hospital, amlodipine, 50, expiry=selectors.local_today(hospital))
    with pytest.raises(PharmacyError, match="7 unit\\(s\\) available, 10 asked"):
        prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: 10})
    assert on_hand(batch) == [7]


def test_return_puts_units_back_into_their_batch_and_reopens_the_line(rx, hospital, amlodipine, pharmacist):
    batch = make_batch(hospital, amlodipine, 40)
    prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: 30})
    given = StockMovement.objects.get(kind="dispense")
    with pytest.raises(PharmacyError, match="Only 30 unit"):
        dispense_return(actor=pharmacist, movement=given, quantity=31, reason="unused")
    back = dispense_return(actor=pharmacist, movement=given, quantity=10, reason="Stopped by doctor")
    assert (back.kind, back.quantity, back.returned_from_id) == ("return", 10, given.pk)
    assert on_hand(batch) == [20]
    [row] = selectors.prescription_progress(rx)
    assert (row.status, row.dispensed) == ("partial", 20)


def test_receive_adjust_and_write_off(hospital, amlodipine, pharmacist):
    today = selectors.local_today(hospital)
    with pytest.raises(PharmacyError, match="already expired"):
        stock_receive(actor=pharmacist, hospital=hospital, product=amlodipine, batch_number="X1", expires_on=today,
                      quantity=5, cost_price=1, sale_price=2)  # fmt: skip
    received = stock_receive(
        actor=pharmacist, hospital=hospital, product=amlodipine, batch_number="X1",
        expires_on=today + datetime.timedelta(days=200), quantity=50, cost_price=1, sale_price=2,
    )  # fmt: skip
    batch = received.batch
    with pytest.raises(PharmacyError, match="cannot lose 51"):
        stock_adjust(actor=pharmacist, batch=batch, quantity=-51, reason="count")
    with pytest.raises(PharmacyError, match="Say why"):
        stock_adjust(actor=pharmacist, batch=batch, quantity=-1, reason=" ")
    stock_adjust(actor=pharmacist, batch=batch, quantity=-3, reason="Broken strip")
    stock_write_off(actor=pharmacist, batch=batch, quantity=7, reason="Damaged")
    assert on_hand(batch) == [40]
    assert list(StockMovement.objects.filter(batch=batch).order_by("id").values_list("kind", "quantity")) == [
        ("receive", 50), ("adjust", -3), ("write_off", -7),
    ]  # fmt: skip


def test_low_stock_notifies_the_hospitals_pharmacists_once_per_crossing(
    rx, doctor, patient, hospital, amlodipine, pharmacist, hospital_admin, other_pharmacist
):
    colleague = pharmacist_of(hospital)
    batch = make_batch(hospital, amlodipine, 45)
    reorder_level_set(actor=hospital_admin, hospital=hospital, product=amlodipine, reorder_level=20)

    def alerts():
        return Notification.objects.filter(kind="pharmacy_stock", title__startswith="Low stock")

    prescription_dispense(actor=pharmacist, prescription=rx, quantities={line(rx).pk: 30})  # 15 left
    assert sorted(a.recipient_id for a in alerts()) == sorted([pharmacist.pk, colleague.pk])
    second = issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 5)])
    prescription_dispense(actor=pharmacist, prescription=second, quantities={line(second).pk: 5})  # 10 left
    assert alerts().count() == 2  # still below: not repeated
    assert not alerts().filter(recipient=other_pharmacist).exists()
    stock_adjust(actor=pharmacist, batch=batch, quantity=30, reason="Found a box")  # 40: re-armed
    assert not StockLevel.objects.get(hospital=hospital, product=amlodipine).low_stock_alerted
    stock_write_off(actor=pharmacist, batch=batch, quantity=25, reason="Damaged")  # 15: below again
    assert alerts().count() == 4


def test_near_expiry_digest_goes_once_a_day_to_the_hospitals_pharmacists(hospital, amlodipine, pharmacist):
    make_batch(hospital, amlodipine, 5, days=30)
    make_batch(hospital, amlodipine, 5, days=200)
    assert near_expiry_digest_send() == 1
    assert near_expiry_digest_send() == 0
    [digest] = Notification.objects.filter(recipient=pharmacist, kind="pharmacy_stock")
    assert "1 batch(es) expire within 90 days" in digest.title and "Amlodipine 5 mg tablet" in digest.body
    assert NearExpiryDigest.objects.count() == 1


def test_near_expiry_digest_is_a_celery_beat_task(settings, hospital, amlodipine, pharmacist):
    from pharmacy.tasks import send_near_expiry_digest

    entry = settings.CELERY_BEAT_SCHEDULE["pharmacy-near-expiry-digest"]
    assert entry["task"] == send_near_expiry_digest.name == "pharmacy.tasks.send_near_expiry_digest"
    make_batch(hospital, amlodipine, 5, days=10)
    assert send_near_expiry_digest() == 1
    assert Notification.objects.filter(recipient=pharmacist, kind="pharmacy_stock").count() == 1
