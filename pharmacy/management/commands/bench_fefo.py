"""Benchmark: how long FEFO picking takes with 10,000 batches on the shelf. Everything it creates is rolled back."""

import datetime
import statistics
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from hospitals.models import Hospital
from pharmacy import selectors
from pharmacy.models import Batch, Product
from pharmacy.services import fefo_batches_locked


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the FEFO pick (lock + plan) for one product among N batches (default 10,000); rolls back."

    def add_arguments(self, parser):
        parser.add_argument("--batches", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=50)

    def handle(self, *args, batches: int, repeat: int, **options):
        try:
            with transaction.atomic():
                self._run(batches, repeat)
                raise Rollback
        except Rollback:
            pass

    def _run(self, count: int, repeat: int) -> None:
        hospital = Hospital.objects.create(
            name="FEFO bench", slug="fefo-bench-tmp", city="Bench", address="-", phone="-", time_zone="Asia/Kolkata",
            status=Hospital.Status.APPROVED,
        )  # fmt: skip
        products = list(Product.objects.order_by("pk")[:50])
        target = products[0]
        today = selectors.local_today(hospital)
        rows = []
        for n in range(count):
            # Half the batches are the product we pick (a quarter of those already expired), the rest spread
            # over 49 other products.
            product = target if n % 2 == 0 else products[1 + n % (len(products) - 1)]
            expiry = today + datetime.timedelta(days=(n * 7919) % 1500 - 300)
            rows.append(
                Batch(
                    hospital=hospital,
                    product=product,
                    batch_number=f"B{n:06d}",
                    expires_on=expiry,
                    cost_price=Decimal("1.00"),
                    sale_price=Decimal("2.00"),
                    currency="INR",
                    on_hand=5 + n % 20,
                )
            )
        started = time.perf_counter()
        Batch.objects.bulk_create(rows, batch_size=1000)
        self.stdout.write(f"created {count} batches in {time.perf_counter() - started:.2f}s")
        for quantity in (10, 200):
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                picked = fefo_batches_locked(hospital=hospital, product=target, today=today, quantity=quantity)
                plan, short = selectors.fefo_plan(picked, quantity, today)
                timings.append((time.perf_counter() - started) * 1000)
            assert not short and all(b.expires_on > today for b in picked)
            self.stdout.write(
                f"FEFO pick of {quantity} units across {len(plan)} batch(es), {count} batches on the shelf: "
                f"median {statistics.median(timings):.2f} ms, max {max(timings):.2f} ms ({repeat} runs)"
            )
