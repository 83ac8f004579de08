import datetime
import itertools
from decimal import Decimal

from accounts.models import User
from accounts.tests.factories import UserFactory
from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from hospitals.models import HospitalMembership
from hospitals.tests.factories import MembershipFactory
from pharmacy.models import Batch, Product, StockMovement
from pharmacy.selectors import local_today
from prescriptions.services import prescription_draft_for, prescription_issue, prescription_item_add, visit_note_save

_numbers = itertools.count(1)


def catalogue(name: str, strength: str, form: str = "Tablet") -> Product:
    """A product of the catalogue the migration seeded from medicines.csv."""
    return Product.objects.get(generic_name=name, strength=strength, form=form)


def pharmacist_of(hospital, email: str | None = None) -> User:
    return MembershipFactory(
        hospital=hospital, role=HospitalMembership.Role.PHARMACIST,
        user=UserFactory(email=email or f"pharmacist{next(_numbers)}@example.org", full_name="Priya Pharmacist",
                         role=User.Role.STAFF),
    ).user  # fmt: skip


def make_batch(
    hospital,
    product,
    units: int,
    *,
    days: int = 365,
    number: str | None = None,
    actor=None,
    expiry=None,
    cost: str = "1.00",
    price: str = "2.50",
) -> Batch:
    """A batch on the shelf with a matching RECEIVE movement (so the ledger reconciles). `days` from the
    hospital's today; `expiry` overrides it (tests may put an already expired batch on the shelf)."""
    expiry = expiry or local_today(hospital) + datetime.timedelta(days=days)
    batch = Batch.objects.create(
        hospital=hospital, product=product, batch_number=number or f"B{next(_numbers):05d}", expires_on=expiry,
        cost_price=Decimal(cost), sale_price=Decimal(price), currency="INR", on_hand=units,
    )  # fmt: skip
    if units:
        StockMovement.objects.create(
            hospital=hospital, product=product, batch=batch, kind=StockMovement.Kind.RECEIVE, quantity=units,
            actor=actor or UserFactory(), reason="test stock",
        )  # fmt: skip
    return batch


def issued_prescription(doctor, patient, hospital, lines):
    """Issue a prescription through the services. `lines`: [(name, strength, form, units)]; a name not in the
    catalogue is a typed-in line."""
    start = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(hours=next(_numbers))
    appointment = AppointmentFactory(
        patient=patient, doctor=doctor, hospital=hospital, status=Appointment.Status.CHECKED_IN, start_at=start,
        end_at=start + datetime.timedelta(minutes=30),
    )  # fmt: skip
    note = visit_note_save(actor=doctor.user, appointment=appointment, data={"chief_complaint": "Review"})
    draft = prescription_draft_for(actor=doctor.user, visit=note)
    for name, strength, form, units in lines:
        prescription_item_add(
            actor=doctor.user, prescription=draft, medicine_name=name, strength=strength, form=form,
            dose="1", route="Oral", frequency="Once daily", duration="30 days", dispense_quantity=units,
        )  # fmt: skip
    return prescription_issue(actor=doctor.user, prescription=draft)
