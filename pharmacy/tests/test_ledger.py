"""The catalogue, the append-only ledger, the CHECK constraint and reconcile_stock."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from pharmacy.models import Batch, Product, StockMovement
from pharmacy.tests.factories import issued_prescription, make_batch
from prescriptions.services import prescription_correct

pytestmark = pytest.mark.django_db


def test_catalogue_is_seeded_from_the_shipped_csv_with_tax_and_prescription_flags():
    assert Product.objects.count() >= 150
    amlodipine = Product.objects.get(generic_name="Amlodipine", strength="5 mg", form="Tablet")
    assert (amlodipine.route, amlodipine.pack_unit, amlodipine.hsn_code) == ("Oral", "tablet", "30049099")
    assert amlodipine.tax_rate == 12 and amlodipine.prescription_only
    assert not Product.objects.get(generic_name="Paracetamol", strength="500 mg", form="Tablet").prescription_only
    assert Product.objects.get(generic_name="Insulin glargine").tax_rate == 5


def test_catalogue_pick_links_the_line_typed_line_stays_unlinked_and_a_correction_keeps_both(doctor, patient, hospital):
    rx = issued_prescription(
        doctor, patient, hospital, [("amlodipine", "5 MG", "tablet", 30), ("Grandma's tonic", "", "Syrup", 1)]
    )
    catalogue_line, typed_line = rx.items.order_by("position")
    assert catalogue_line.product.label == "Amlodipine 5 mg tablet" and catalogue_line.dispense_quantity == 30
    assert typed_line.product is None
    corrected = prescription_correct(actor=doctor.user, prescription=rx, reason="dose")
    assert [(i.product_id, i.dispense_quantity) for i in corrected.items.order_by("position")] == [
        (catalogue_line.product_id, 30), (None, 1),
    ]  # fmt: skip


def test_movements_refuse_update_and_delete_in_the_database(hospital, amlodipine):
    batch = make_batch(hospital, amlodipine, 10)
    movement = StockMovement.objects.get(batch=batch)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE pharmacy_stockmovement SET quantity = 99 WHERE id = %s", [movement.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).delete()
    movement.refresh_from_db()
    assert movement.quantity == 10


def test_database_refuses_negative_on_hand_and_a_wrongly_signed_movement(hospital, amlodipine, pharmacist):
    batch = make_batch(hospital, amlodipine, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            hospital=hospital, product=amlodipine, batch=batch, kind="dispense", quantity=5, actor=pharmacist
        )
    batch.refresh_from_db()
    assert batch.on_hand == 3


def test_reconcile_stock_reports_zero_mismatches_and_finds_a_drifted_batch(hospital, amlodipine):
    make_batch(hospital, amlodipine, 10)
    drifted = make_batch(hospital, amlodipine, 5)
    out = io.StringIO()
    Batch.objects.filter(pk=drifted.pk).update(on_hand=4)
    with pytest.raises(CommandError, match="1 batch"):
        call_command("reconcile_stock", stdout=out)
    assert f"MISMATCH batch {drifted.pk}" in out.getvalue()
    Batch.objects.filter(pk=drifted.pk).update(on_hand=5)
    out = io.StringIO()
    call_command("reconcile_stock", stdout=out)
    assert "2 batches checked, 0 mismatches" in out.getvalue()


def test_bench_fefo_prints_the_pick_time_and_leaves_nothing_behind():
    out = io.StringIO()
    call_command("bench_fefo", batches=400, repeat=2, stdout=out)
    assert "FEFO pick of 10 units" in out.getvalue() and "400 batches on the shelf" in out.getvalue()
    assert not Batch.objects.exists()
