"""Benchmark of the hospital report and the exports on a large data set (not a timed test).

    DATABASE_URL=postgres://... python manage.py bench_reports --appointments 1000000

Generates the data set once in the configured database (hospitals named "Bench …", kept for the next run; remove
it with --drop), then times a 30-day report for one hospital (metrics alone and the whole page through the test
client, median of --rounds), and a 100,000-row CSV and XLSX export. Appointments are inserted with one
INSERT … SELECT generate_series on PostgreSQL (bulk_create elsewhere, for small sets)."""

import datetime
import os
import statistics
import tempfile
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment, ScheduleRange, WeeklySchedule
from doctors.models import DoctorProfile
from hospitals.models import Affiliation, Department, Hospital, HospitalMembership
from patients.models import PatientProfile

SLOTS_PER_DAY = 16  # 09:00-17:00 local, 30-minute slots
BENCH = "Bench"


class Command(BaseCommand):
    help = "Time a 30-day hospital report and a 100,000-row export on a large generated data set."

    def add_arguments(self, parser):
        parser.add_argument("--appointments", type=int, default=1_000_000)
        parser.add_argument("--hospitals", type=int, default=10)
        parser.add_argument("--doctors", type=int, default=200)
        parser.add_argument("--patients", type=int, default=200_000)
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--export-rows", type=int, default=100_000)
        parser.add_argument("--drop", action="store_true", help="delete the generated data set and stop")

    def handle(self, *args, **options):
        if options["drop"]:
            self._drop()
            return
        if not Appointment.objects.filter(hospital__name__startswith=BENCH).exists():
            if connection.vendor != "postgresql" and options["appointments"] > 50_000:
                raise CommandError("Use PostgreSQL for large sets, or pass a smaller --appointments.")
            if not Hospital.objects.filter(name__startswith=BENCH).exists():
                self._generate(options)
            self._generate_appointments(options)
        total = Appointment.objects.count()
        hospital = Hospital.objects.filter(name__startswith=BENCH).order_by("pk").first()
        admin = HospitalMembership.objects.filter(hospital=hospital, role=HospitalMembership.Role.ADMIN).first().user
        self.stdout.write(f"{connection.vendor}: {total:,} appointments in the database; reporting on {hospital.name}")
        self._time_report(hospital, admin, options["rounds"])
        self._time_export(hospital, options["export_rows"])

    # --- timing ----------------------------------------------------------------------------------------

    def _time_report(self, hospital, admin, rounds: int) -> None:
        from reports.metrics import build_report
        from reports.params import ReportForm, hospital_directory

        today = timezone.now().astimezone(hospital.tz).date()
        query = {"date_from": (today - datetime.timedelta(days=29)).isoformat(), "date_to": today.isoformat()}
        metrics, pages = [], []
        client = Client()
        client.force_login(admin)
        for _ in range(rounds):
            started = time.perf_counter()
            form = ReportForm(query, hospital=hospital)
            assert form.is_valid(), form.errors
            report = build_report(form.params(), hospital_directory(hospital))
            metrics.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = client.get(reverse("reports:report"), query)
            pages.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        self.stdout.write(
            f"30-day report ({report.totals.total:,} appointments, {report.totals.offered:,} offered slots, "
            f"{report.wait_count:,} waits): metrics median {statistics.median(metrics):.0f} ms "
            f"(min {min(metrics):.0f}), whole page median {statistics.median(pages):.0f} ms (min {min(pages):.0f}) "
            f"over {rounds} rounds"
        )

    def _time_export(self, hospital, rows: int) -> None:
        from reports.exports import write_export
        from reports.metrics import report_appointments
        from reports.params import ReportForm, hospital_directory

        directory = hospital_directory(hospital)
        form = ReportForm({"date_from": "2000-01-01", "date_to": "2001-12-31"}, hospital=hospital)
        first = Appointment.objects.filter(hospital=hospital).order_by("start_at").values_list("start_at", flat=True)[0]
        day = first.astimezone(hospital.tz).date()
        form = ReportForm(
            {"date_from": day.isoformat(), "date_to": (day + datetime.timedelta(days=730)).isoformat()},
            hospital=hospital,
        )
        assert form.is_valid(), form.errors
        params = form.params()
        appointments = report_appointments(params, directory).order_by("start_at", "id")
        ids = appointments.values_list("pk", flat=True)[:rows]
        limited = Appointment.objects.filter(pk__in=list(ids)).order_by("start_at", "id")
        for fmt in ("csv", "xlsx"):
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, f"export.{fmt}")
                started = time.perf_counter()
                count = write_export(fmt, path, params, directory, limited)
                elapsed = time.perf_counter() - started
                size = os.path.getsize(path)
            self.stdout.write(f"{fmt.upper()} export: {count:,} rows in {elapsed:.1f} s ({size / 1e6:.1f} MB)")

    # --- data set --------------------------------------------------------------------------------------

    def _drop(self) -> None:
        hospitals = Hospital.objects.filter(name__startswith=BENCH)
        with connection.cursor() as cursor, transaction.atomic():
            ids = list(hospitals.values_list("pk", flat=True))
            if not ids:
                return
            appointments = "SELECT id FROM appointments_appointment WHERE hospital_id = ANY(%s)"
            cursor.execute(f"DELETE FROM appointments_appointmentevent WHERE appointment_id IN ({appointments})", [ids])  # noqa: S608
            cursor.execute("DELETE FROM appointments_appointment WHERE hospital_id = ANY(%s)", [ids])
        users = User.objects.filter(email__endswith="@bench.example")
        PatientProfile.objects.filter(user__in=users).delete()
        WeeklySchedule.objects.filter(hospital__in=hospitals).delete()
        Affiliation.objects.filter(hospital__in=hospitals).delete()
        DoctorProfile.objects.filter(user__in=users).delete()
        HospitalMembership.objects.filter(hospital__in=hospitals).delete()
        Department.objects.filter(hospital__in=hospitals).delete()
        hospitals.delete()
        users.delete()
        self.stdout.write("Dropped the bench data set.")

    def _generate(self, options) -> None:
        started = time.perf_counter()
        n_hospitals, n_doctors, n_patients = options["hospitals"], options["doctors"], options["patients"]
        password = make_password(None)
        zones = ["Asia/Kolkata", "Europe/Berlin"]
        with transaction.atomic():
            hospitals = Hospital.objects.bulk_create(
                Hospital(name=f"{BENCH} Hospital {n:02d}", slug=f"bench-{n}", city="Bench", address="1 Bench Road",
                         phone="+49 30 0000", time_zone=zones[n % 2], status=Hospital.Status.APPROVED)
                for n in range(n_hospitals)
            )  # fmt: skip
            departments = Department.objects.bulk_create(
                Department(hospital=h, name=f"Department {k}") for h in hospitals for k in range(5)
            )
            admins = User.objects.bulk_create(
                User(email=f"admin{n}@bench.example", full_name=f"Bench Admin {n}", role=User.Role.HOSPITAL_ADMIN,
                     password=password)
                for n in range(n_hospitals)
            )  # fmt: skip
            HospitalMembership.objects.bulk_create(
                HospitalMembership(user=u, hospital=h, role=HospitalMembership.Role.ADMIN)
                for u, h in zip(admins, hospitals, strict=True)
            )
            doctor_users = User.objects.bulk_create(
                User(email=f"doctor{n}@bench.example", full_name=f"Bench Doctor {n:03d}", role=User.Role.DOCTOR,
                     password=password)
                for n in range(n_doctors)
            )  # fmt: skip
            doctors = DoctorProfile.objects.bulk_create(
                DoctorProfile(user=u, registration_number=f"BENCH-{n:05d}") for n, u in enumerate(doctor_users)
            )
            Affiliation.objects.bulk_create(
                Affiliation(doctor=d, hospital=hospitals[n % n_hospitals],
                            department=departments[(n % n_hospitals) * 5 + n % 5])
                for n, d in enumerate(doctors)
            )  # fmt: skip
            schedules = WeeklySchedule.objects.bulk_create(
                WeeklySchedule(doctor=d, hospital=hospitals[n % n_hospitals], valid_from=datetime.date(2020, 1, 1))
                for n, d in enumerate(doctors)
            )
            ScheduleRange.objects.bulk_create(
                ScheduleRange(schedule=s, weekday=w, start_time=datetime.time(9), end_time=datetime.time(13))
                for s in schedules
                for w in range(6)
            )
            ScheduleRange.objects.bulk_create(
                ScheduleRange(schedule=s, weekday=w, start_time=datetime.time(14), end_time=datetime.time(18))
                for s in schedules
                for w in range(6)
            )
        self.stdout.write(f"hospitals, doctors, schedules: {time.perf_counter() - started:.0f} s")
        batch = 20_000
        for offset in range(0, n_patients, batch):
            with transaction.atomic():
                users = User.objects.bulk_create(
                    User(email=f"patient{n}@bench.example", full_name=f"Bench Patient {n}", password=password)
                    for n in range(offset, min(offset + batch, n_patients))
                )
                PatientProfile.objects.bulk_create(
                    PatientProfile(user=u, patient_number=f"B{offset + k:07d}") for k, u in enumerate(users)
                )
        self.stdout.write(f"{n_patients:,} patients: {time.perf_counter() - started:.0f} s")

    def _generate_appointments(self, options) -> None:
        """Appointments and their events for the bench doctors and patients (resumable after an interruption)."""
        started = time.perf_counter()
        affiliations = Affiliation.objects.filter(hospital__name__startswith=BENCH).order_by("doctor_id")
        hospital_of = dict(affiliations.values_list("doctor_id", "hospital_id"))
        doctor_ids = list(hospital_of)
        patient_ids = list(
            PatientProfile.objects.filter(user__email__endswith="@bench.example")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        per_doctor = options["appointments"] // len(doctor_ids)
        self._insert_appointments(doctor_ids, hospital_of, patient_ids, per_doctor)
        self.stdout.write(
            f"{per_doctor * len(doctor_ids):,} appointments with events: {time.perf_counter() - started:.0f} s"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def _insert_appointments(self, doctor_ids, hospital_of, patient_ids, per_doctor: int) -> None:
        """Each doctor: `per_doctor` consecutive 30-minute slots, 16 a day, ending about 60 days from now; statuses
        by a fixed pattern (past: 5% cancelled, 5% no-show, the rest completed; future: 5% cancelled, booked).
        Completed visits get check-in and visit-started events (waits of 0-29 min); cancellations a cancel event."""
        days = per_doctor // SLOTS_PER_DAY + 1
        base = (timezone.now() - datetime.timedelta(days=days - 60)).replace(hour=4, minute=0, second=0, microsecond=0)
        now = timezone.now()
        n_patients = len(patient_ids)
        if connection.vendor != "postgresql":
            rows = []
            for d_index, doctor_id in enumerate(doctor_ids):
                for i in range(per_doctor):
                    start = base + datetime.timedelta(days=i // SLOTS_PER_DAY, minutes=30 * (i % SLOTS_PER_DAY))
                    h = (i * 31 + d_index * 17) % 20
                    status = "cancelled" if h == 0 else ("no_show" if h == 1 and start < now else
                                                         ("completed" if start < now else "booked"))  # fmt: skip
                    rows.append(Appointment(
                        doctor_id=doctor_id, hospital_id=hospital_of[doctor_id], start_at=start,
                        end_at=start + datetime.timedelta(minutes=30), status=status,
                        patient_id=patient_ids[(i * len(doctor_ids) + d_index) % n_patients],
                    ))  # fmt: skip
            Appointment.objects.bulk_create(rows, batch_size=5000)
            return
        with connection.cursor() as cursor, transaction.atomic():
            cursor.execute(
                "CREATE TEMP TABLE bench_doctors (idx int, doctor_id bigint, hospital_id bigint) ON COMMIT DROP"
            )
            cursor.executemany(
                "INSERT INTO bench_doctors VALUES (%s, %s, %s)",
                [(n, d, hospital_of[d]) for n, d in enumerate(doctor_ids)],
            )
            cursor.execute("CREATE TEMP TABLE bench_patients (idx int, patient_id bigint) ON COMMIT DROP")
            cursor.execute(
                "INSERT INTO bench_patients SELECT row_number() OVER (ORDER BY id) - 1, id "
                "FROM patients_patientprofile WHERE id = ANY(%s)",
                [patient_ids],
            )
            cursor.execute(
                """
                    INSERT INTO appointments_appointment
                        (patient_id, doctor_id, hospital_id, start_at, end_at, mode, status, reason, created_at,
                         cancellation_reason)
                    SELECT p.patient_id, d.doctor_id, d.hospital_id, s.start_at, s.start_at + interval '30 minutes',
                           'in_person',
                           CASE WHEN (s.i * 31 + d.idx * 17) %% 20 = 0 THEN 'cancelled'
                                WHEN s.start_at >= %(now)s THEN 'booked'
                                WHEN (s.i * 31 + d.idx * 17) %% 20 = 1 THEN 'no_show'
                                ELSE 'completed' END,
                           '', s.start_at - interval '7 days', ''
                    FROM bench_doctors d
                    CROSS JOIN LATERAL (
                        SELECT g AS i, %(base)s::timestamptz + (g / 16) * interval '1 day'
                               + (g %% 16) * interval '30 minutes' AS start_at
                        FROM generate_series(0, %(per_doctor)s - 1) AS g
                    ) s
                    JOIN bench_patients p ON p.idx = (s.i * %(n_doctors)s + d.idx) %% %(n_patients)s
                    """,
                {"now": now, "base": base, "per_doctor": per_doctor, "n_doctors": len(doctor_ids),
                 "n_patients": n_patients},
            )  # fmt: skip
        with connection.cursor() as cursor, transaction.atomic():  # the appointments above are committed
            cursor.execute(
                """
                    INSERT INTO appointments_appointmentevent (appointment_id, from_status, to_status, note, created_at)
                    SELECT a.id, 'booked', e.to_status, '', a.start_at + e.shift
                    FROM appointments_appointment a
                    JOIN hospitals_hospital h ON h.id = a.hospital_id AND h.name LIKE 'Bench%'
                    CROSS JOIN LATERAL (VALUES
                        ('checked_in', interval '-10 minutes'),
                        ('in_progress', interval '-10 minutes' + (a.id % 30) * interval '1 minute')
                    ) AS e(to_status, shift)
                    WHERE a.status = 'completed'
                    UNION ALL
                    SELECT a.id, 'booked', 'cancelled', '', a.start_at - (a.id % 96) * interval '1 hour'
                    FROM appointments_appointment a
                    JOIN hospitals_hospital h ON h.id = a.hospital_id AND h.name LIKE 'Bench%'
                    WHERE a.status = 'cancelled'
                    """
            )
