"""Demo dispensary at City Care Hospital: pharmacist@example.com, batches of the medicines the demo prescriptions
use (one near expiry, one expired, one product below its reorder level), and the demo prescriptions waiting in
the dispensing queue. Idempotent: batches are keyed by number and received once."""

import datetime
from decimal import Decimal

from accounts.demo import demo_user
from accounts.models import User
from hospitals.models import HospitalMembership
from pharmacy.catalogue import load_catalogue
from pharmacy.models import Batch, Product, StockLevel
from pharmacy.selectors import local_today
from pharmacy.services import reorder_level_set, stock_receive

# (generic name, strength, form, batch number, days to expiry, units, cost, price)
STOCK = [
    ("Amlodipine", "5 mg", "Tablet", "AML-2301", 40, 60, "1.20", "2.50"),  # near expiry: FEFO picks it first
    ("Amlodipine", "5 mg", "Tablet", "AML-2412", 400, 300, "1.10", "2.50"),
    ("Paracetamol", "500 mg", "Tablet", "PCM-2405", 300, 500, "0.40", "1.00"),
    ("Levocetirizine", "5 mg", "Tablet", "LCZ-2402", 200, 8, "0.90", "2.00"),  # low: reorder level 20
    ("Metformin", "500 mg", "Tablet", "MET-2210", 2, 100, "0.50", "1.20"),  # expired by the time it's written off
    ("Atorvastatin", "10 mg", "Tablet", "ATV-2406", 500, 200, "2.00", "4.50"),
]
REORDER_LEVELS = {("Levocetirizine", "5 mg", "Tablet"): 20, ("Amlodipine", "5 mg", "Tablet"): 50}


def seed(demo: dict) -> None:
    load_catalogue(Product)
    hospital = demo["hospitals"]["city-care-bengaluru"]
    pharmacist = demo_user("pharmacist@example.com", "Priya Pharmacist", User.Role.STAFF)
    HospitalMembership.objects.get_or_create(
        user=pharmacist, hospital=hospital, defaults={"role": HospitalMembership.Role.PHARMACIST}
    )
    admin = User.objects.get(email="hadmin@example.com")
    today = local_today(hospital)
    for name, strength, form, number, days, units, cost, price in STOCK:
        product = Product.objects.get(generic_name=name, strength=strength, form=form)
        if Batch.objects.filter(hospital=hospital, product=product, batch_number=number).exists():
            continue
        stock_receive(
            actor=pharmacist, hospital=hospital, product=product, batch_number=number,
            expires_on=today + datetime.timedelta(days=days), quantity=units, cost_price=Decimal(cost),
            sale_price=Decimal(price),
        )  # fmt: skip
    # One batch that has already expired on the shelf (received long ago): only a write-off can move it.
    expired = Batch.objects.filter(hospital=hospital, batch_number="MET-2210").first()
    if expired and expired.expires_on >= today:
        Batch.objects.filter(pk=expired.pk).update(expires_on=today - datetime.timedelta(days=3))
    for (name, strength, form), level in REORDER_LEVELS.items():
        product = Product.objects.get(generic_name=name, strength=strength, form=form)
        if not StockLevel.objects.filter(hospital=hospital, product=product).exists():
            reorder_level_set(actor=admin, hospital=hospital, product=product, reorder_level=level)
    demo["pharmacist"] = pharmacist
