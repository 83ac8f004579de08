"""How long one password check takes with the production hasher (budget: well under 300 ms)."""

import statistics
import time

from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Time password verification with the configured (Argon2) hasher."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=20)

    def handle(self, *args, rounds: int, **options):
        encoded = make_password("bench-Password-2026")
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            check_password("bench-Password-2026", encoded)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        self.stdout.write(
            f"{encoded.split('$')[0]} {encoded.split('$')[2]}: "
            f"median {statistics.median(timings):.1f} ms, p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, "
            f"max {timings[-1]:.1f} ms over {rounds} checks"
        )
