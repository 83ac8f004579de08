"""How long one password check takes with the production hasher (budget: well under 300 ms), and with
--calibrate the same for OWASP's minimum Argon2id settings and a few candidates, to choose ours on this machine."""

import statistics
import time

import argon2
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand

from accounts.hashers import TunedArgon2PasswordHasher

# OWASP Password Storage Cheat Sheet: Argon2id with one of these (memory KiB, iterations, parallelism 1) at least.
OWASP_MINIMUMS = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]
CANDIDATES = [(32768, 2, 2), (32768, 3, 2), (65536, 2, 2), (65536, 3, 2)]


def _time(check, rounds: int) -> tuple[float, float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        check()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(0, round(len(timings) * 0.95) - 1)]


class Command(BaseCommand):
    help = "Time password verification with the configured (Argon2) hasher."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=20)
        parser.add_argument("--calibrate", action="store_true", help="also time OWASP's minimums and candidates")

    def handle(self, *args, rounds: int, calibrate: bool, **options):
        encoded = make_password("bench-Password-2026")
        median, p95 = _time(lambda: check_password("bench-Password-2026", encoded), rounds)
        self.stdout.write(
            f"{encoded.split('$')[0]} {encoded.split('$')[2]}: median {median:.1f} ms, p95 {p95:.1f} ms "
            f"over {rounds} checks"
        )
        if not calibrate:
            return
        ours = (TunedArgon2PasswordHasher.memory_cost, TunedArgon2PasswordHasher.time_cost)
        rows = [(m, t, 1, "OWASP minimum") for m, t in OWASP_MINIMUMS]
        rows += [(m, t, p, "ours" if (m, t) == ours else "candidate") for m, t, p in CANDIDATES]
        self.stdout.write("memory KiB  t  p  cost vs minimum  median ms  p95 ms")
        for memory, iterations, lanes, note in rows:
            hasher = argon2.PasswordHasher(
                memory_cost=memory, time_cost=iterations, parallelism=lanes, type=argon2.Type.ID
            )
            digest = hasher.hash("bench-Password-2026")
            median, p95 = _time(lambda h=hasher, d=digest: h.verify(d, "bench-Password-2026"), rounds)
            relative = memory * iterations / (19456 * 2)
            self.stdout.write(
                f"{memory:>10}  {iterations}  {lanes}  {relative:>14.1f}x  {median:>9.1f}  {p95:>6.1f}  {note}"
            )
