"""Demo data for `make run`: deterministic and idempotent (running it twice changes nothing).

Each app contributes a `demo.py` with a `seed(demo)` function; they run in dependency order so a later
app can build on what an earlier one created.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = [
    "accounts.demo",
    "hospitals.demo",
    "doctors.demo",
    "patients.demo",
    "appointments.demo",
    "prescriptions.demo",
    "notifications.demo",
    "billing.demo",
]


class Command(BaseCommand):
    help = "Create (or top up) the demo hospitals, doctors, patients and their data."

    @transaction.atomic
    def handle(self, *args, **options):
        demo: dict = {}
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as error:
                if error.name != name:
                    raise
                continue
            module.seed(demo)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Every demo account uses the password demo-pass-2026."))
