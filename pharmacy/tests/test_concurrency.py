"""20 simultaneous dispenses against a batch of 10 units: exactly 10 leave, stock never goes negative, the
others get a clear message and no exception escapes. Real threads on real PostgreSQL connections (row locks);
the same race is also run on SQLite, where IMMEDIATE transactions serialise the writers."""

import pytest
from django.db import connection

from hms.testing import race as shared_race
from pharmacy.models import Batch, StockMovement
from pharmacy.services import PharmacyError, prescription_dispense
from pharmacy.tests.factories import issued_prescription, make_batch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_flushable")]
THREADS = 20


def race(attempts) -> list[str]:
    return shared_race(attempts, refused=(PharmacyError,), success="dispensed")


def _race_twenty_for_ten(doctor, patient, hospital, amlodipine, pharmacist):
    batch = make_batch(hospital, amlodipine, 10)
    prescriptions = [
        issued_prescription(doctor, patient, hospital, [("Amlodipine", "5 mg", "Tablet", 1)]) for _ in range(THREADS)
    ]

    def attempt_for(rx):
        item_id = rx.items.get().pk
        return lambda: prescription_dispense(actor=pharmacist, prescription=rx, quantities={item_id: 1})

    attempts = [attempt_for(rx) for rx in prescriptions]
    outcomes = race(attempts)
    assert outcomes.count("dispensed") == 10, outcomes
    refusals = [o for o in outcomes if o != "dispensed"]
    assert len(refusals) == 10 and all("Not enough usable stock" in o for o in refusals), outcomes
    batch.refresh_from_db()
    assert batch.on_hand == 0
    assert sum(StockMovement.objects.filter(batch=batch).values_list("quantity", flat=True)) == 0
    assert Batch.objects.filter(on_hand__lt=0).count() == 0


@pytest.mark.postgres
def test_twenty_dispenses_race_for_ten_units_on_postgres(doctor, patient, hospital, amlodipine, pharmacist):
    assert connection.vendor == "postgresql"
    _race_twenty_for_ten(doctor, patient, hospital, amlodipine, pharmacist)


def test_twenty_dispenses_race_for_ten_units(doctor, patient, hospital, amlodipine, pharmacist):
    _race_twenty_for_ten(doctor, patient, hospital, amlodipine, pharmacist)
