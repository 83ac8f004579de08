"""Benchmark: free slots of one doctor over 4 weeks, with a year of bookings for many doctors in the table.

    python manage.py bench_slots [--doctors 100] [--fill 0.7] [--runs 50] [--keep]

Everything it creates is rolled back at the end unless --keep is given."""

import datetime
import os
import random
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment, ScheduleRange, WeeklySchedule
from appointments.selectors import available_slots, next_free_slot
from appointments.slots import range_slots
from doctors.models import DoctorProfile
from hospitals.models import Affiliation, Hospital
from patients.models import PatientProfile

RANGES = [(range(5), datetime.time(9), datetime.time(13)), (range(5), datetime.time(14), datetime.time(17))]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time available_slots() for 4 weeks of one doctor among many doctors with a year of bookings each."

    def add_arguments(self, parser):
        parser.add_argument("--doctors", type=int, default=100, help="doctors with a year of bookings (default 100)")
        parser.add_argument("--fill", type=float, default=0.7, help="share of slots booked (default 0.7)")
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--keep", action="store_true", help="keep the generated rows")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                self.run(options)
                if not options["keep"]:
                    raise Rollback
        except Rollback:
            self.stdout.write("(generated rows rolled back)")

    def run(self, options):
        rng = random.Random(42)
        stamp = int(time.time())
        started = time.perf_counter()
        hospital = Hospital.objects.create(
            name="Bench Hospital", slug=f"bench-{stamp}", city="Berlin", address="-", phone="-",
            time_zone="Europe/Berlin", status=Hospital.Status.APPROVED,
        )  # fmt: skip
        count = options["doctors"]
        users = User.objects.bulk_create(
            [User(email=f"bench-d{stamp}-{i}@example.invalid", full_name=f"Bench Doctor {i}", role=User.Role.DOCTOR)
             for i in range(count)]
            + [User(email=f"bench-p{stamp}-{i}@example.invalid", full_name=f"Bench Patient {i}")
               for i in range(count)]
        )  # fmt: skip
        doctors = DoctorProfile.objects.bulk_create(
            [DoctorProfile(user=u, registration_number=f"BENCH-{stamp}-{i}") for i, u in enumerate(users[:count])]
        )
        patients = PatientProfile.objects.bulk_create(
            [PatientProfile(user=u, patient_number=f"B{stamp}-{i}") for i, u in enumerate(users[count:])]
        )
        Affiliation.objects.bulk_create([Affiliation(doctor=d, hospital=hospital) for d in doctors])
        today = timezone.now().astimezone(hospital.tz).date()
        schedules = WeeklySchedule.objects.bulk_create(
            [
                WeeklySchedule(doctor=d, hospital=hospital, valid_from=today - datetime.timedelta(days=400))
                for d in doctors
            ]
        )
        ScheduleRange.objects.bulk_create(
            [ScheduleRange(schedule=s, weekday=w, start_time=a, end_time=b) for s in schedules for days, a, b in RANGES
             for w in days]
        )  # fmt: skip
        # A year of bookings per doctor: six months back, six months ahead. Doctor i always sees patient i, so
        # no patient is ever in two places at once.
        grid = []
        for offset in range(-182, 183):
            day = today + datetime.timedelta(days=offset)
            for days, start, end in RANGES:
                if day.weekday() in days:
                    grid.extend(range_slots(day, start, end, hospital.tz))
        rows = []
        for doctor, patient in zip(doctors, patients, strict=True):
            for start, end in grid:
                if rng.random() < options["fill"]:
                    rows.append(Appointment(doctor=doctor, patient=patient, hospital=hospital, start_at=start,
                                            end_at=end))  # fmt: skip
        Appointment.objects.bulk_create(rows, batch_size=5000)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum would give a real table
                cursor.execute("ANALYZE")
        total = Appointment.objects.count()
        self.stdout.write(
            f"built {count} doctors, {len(rows):,} bookings here ({total:,} appointments in the table) "
            f"in {time.perf_counter() - started:.1f}s on {connection.vendor}"
        )

        target = doctors[0]
        start_date = today + datetime.timedelta(days=1)
        end_date = start_date + datetime.timedelta(days=27)
        timings, cpu = [], []
        for _ in range(options["runs"]):
            began, began_cpu = time.perf_counter(), time.process_time()
            slots = available_slots(doctor=target, start_date=start_date, end_date=end_date)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        with CaptureQueriesContext(connection) as queries:
            slots = available_slots(doctor=target, start_date=start_date, end_date=end_date)
        if options["verbosity"] > 1:
            for query in queries.captured_queries:
                self.stdout.write(query["sql"][:400] + f"  [{query['time']}s]")
        with CaptureQueriesContext(connection) as next_queries:
            began = time.perf_counter()
            first = next_free_slot(target)
            next_ms = (time.perf_counter() - began) * 1000
        self.stdout.write(
            f"available_slots, 4 weeks, {len(slots)} free slots ({settings.SLOT_MINUTES}-minute): "
            f"median {statistics.median(timings):.2f} ms, min {min(timings):.2f} ms, max {max(timings):.2f} ms "
            f"over {len(timings)} runs; {len(queries)} queries"
        )
        # On a shared, busy machine wall time includes waiting for a CPU; this process's own CPU time does not
        # (with SQLite it includes the database work, with PostgreSQL only ours).
        self.stdout.write(
            f"  CPU time of this process: median {statistics.median(cpu):.2f} ms, min {min(cpu):.2f} ms; "
            f"database time per query (Django rounds to 1 ms): {[q['time'] for q in queries.captured_queries]} s; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        self.stdout.write(f"next_free_slot: {first.start_at if first else None} in {next_ms:.2f} ms, "
                          f"{len(next_queries)} queries")  # fmt: skip
