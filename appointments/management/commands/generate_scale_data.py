"""Load a hospital network at scale for benchmarks (see appointments/scale_data.py)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from appointments.scale_data import SCALE_PASSWORD, ScaleConfig, analyze, generate


class Command(BaseCommand):
    help = "Bulk-load hospitals, doctors, patients, a year of appointments with visits and prescriptions."

    def add_arguments(self, parser):
        defaults = ScaleConfig()
        for name in ("hospitals", "doctors", "patients", "appointments", "days_past", "days_future", "heavy_visits",
                     "seed"):  # fmt: skip
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
        parser.add_argument("--domain", default=defaults.domain, help="e-mail domain of the generated accounts")

    def handle(self, *args, **options):
        config = ScaleConfig(**{k: options[k] for k in ScaleConfig.__dataclass_fields__ if k in options})
        if config.hospitals < 1 or config.doctors < 1 or config.patients < 1:
            raise CommandError("Need at least one hospital, doctor and patient.")
        started = time.monotonic()
        try:
            with transaction.atomic():
                result = generate(config, log=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        analyze()
        d = config.domain
        self.stdout.write(
            self.style.SUCCESS(f"Loaded in {time.monotonic() - started:.0f} s: {result}\n")
            + f"Accounts (password {SCALE_PASSWORD}): super@{d}, hadmin1@{d}, desk1@{d}, doctor1@{d}, "
            f"heavy@{d} (the patient with {config.heavy_visits} visits), patient2@{d} …"
        )
