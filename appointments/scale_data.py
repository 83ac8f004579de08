"""Scale data for benchmarks: a hospital network with a year and more of appointments, loaded in bulk.

Rows are built in Python with ids we assign ourselves (so foreign keys need no round trips) and written with
COPY on PostgreSQL (executemany on SQLite, for small test runs). On PostgreSQL the indexes and constraints of
the big tables are dropped before the load and rebuilt after it, which is many times faster than maintaining
them row by row.

To add a table (invoices, dispenses …): write rows with `loader.add(Model, field=value, …)` in a new
`_make_<thing>` step and call it from `generate()`; fields you leave out get the model's defaults.
"""

from __future__ import annotations

import datetime
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment, ScheduleRange, WeeklySchedule
from doctors.models import DoctorProfile, Specialization
from hospitals.models import Affiliation, Department, Hospital, HospitalMembership
from patients.models import PatientProfile
from prescriptions.models import Diagnosis, Prescription, PrescriptionItem, VisitNote

SCALE_PASSWORD = "scale-pass-2026"  # noqa: S105 - benchmark accounts only, printed by the command
FIRST = [
    "Aarav",
    "Aditi",
    "Akira",
    "Alejandro",
    "Amara",
    "Amelia",
    "Ananya",
    "Anika",
    "Arjun",
    "Ayesha",
    "Ben",
    "Carla",
    "Chen",
    "Chloe",
    "Daniel",
    "Deepa",
    "Diego",
    "Elena",
    "Emil",
    "Emma",
    "Fatima",
    "Felix",
    "Hana",
    "Hannah",
    "Ibrahim",
    "Isha",
    "Ivan",
    "Jonas",
    "Julia",
    "Kabir",
    "Karim",
    "Kavya",
    "Lars",
    "Lea",
    "Leon",
    "Lina",
    "Luca",
    "Maya",
    "Mei",
    "Mila",
    "Mohammed",
    "Nadia",
    "Noah",
    "Nora",
    "Omar",
    "Paul",
    "Priya",
    "Rahul",
    "Rosa",
    "Sara",
    "Sofia",
    "Tariq",
    "Tom",
    "Uma",
    "Vikram",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoe",
]
LAST = [
    "Agarwal",
    "Bauer",
    "Becker",
    "Bose",
    "Chandra",
    "Das",
    "Desai",
    "Fischer",
    "Fuchs",
    "Gupta",
    "Hahn",
    "Hoffmann",
    "Iyer",
    "Jain",
    "Joshi",
    "Kapoor",
    "Keller",
    "Khan",
    "Koch",
    "Krause",
    "Kumar",
    "Lang",
    "Lehmann",
    "Mehta",
    "Menon",
    "Meyer",
    "Mishra",
    "Nair",
    "Neumann",
    "Patel",
    "Pillai",
    "Rao",
    "Reddy",
    "Richter",
    "Roy",
    "Saxena",
    "Schmidt",
    "Schneider",
    "Schulz",
    "Sharma",
    "Shah",
    "Singh",
    "Sinha",
    "Wagner",
    "Weber",
    "Werner",
    "Wolf",
    "Zimmermann",
]
CITIES = [
    ("Bengaluru", "Asia/Kolkata"), ("Mumbai", "Asia/Kolkata"), ("Delhi", "Asia/Kolkata"),
    ("Chennai", "Asia/Kolkata"), ("Berlin", "Europe/Berlin"), ("Hamburg", "Europe/Berlin"),
    ("Munich", "Europe/Berlin"), ("Dubai", "Asia/Dubai"),
]  # fmt: skip
SPECIALTIES = [
    "Cardiology", "Dermatology", "General medicine", "Paediatrics", "Orthopaedics", "Neurology",
    "Gynaecology", "ENT", "Ophthalmology", "Psychiatry", "Endocrinology", "Gastroenterology",
]  # fmt: skip
DEPARTMENTS = ["Outpatients", "Cardiology", "Paediatrics", "Orthopaedics", "Internal medicine"]
MEDICINES = [
    ("Paracetamol", "500 mg", "tablet"), ("Amoxicillin", "500 mg", "capsule"), ("Metformin", "500 mg", "tablet"),
    ("Atorvastatin", "20 mg", "tablet"), ("Amlodipine", "5 mg", "tablet"), ("Cetirizine", "10 mg", "tablet"),
    ("Omeprazole", "20 mg", "capsule"), ("Ibuprofen", "400 mg", "tablet"),
]  # fmt: skip
DIAGNOSES = [
    ("I10", "Essential (primary) hypertension"), ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("J06.9", "Acute upper respiratory infection, unspecified"), ("M54.5", "Low back pain"),
    ("R51", "Headache"), ("K21.9", "Gastro-oesophageal reflux disease without oesophagitis"),
]  # fmt: skip
REASONS = ["Follow-up", "Chest pain", "Fever and cough", "Back pain", "Blood pressure review", "Skin rash", ""]
SLOTS_PER_DAY = 16  # 09:00-17:00 local, 30 minutes each
HEAVY_DOCTOR_SHARE = 0.3  # of the heavy patient's visits, this share is with doctor 1 (the benchmark doctor)


@dataclass
class ScaleConfig:
    hospitals: int = 23
    doctors: int = 505
    patients: int = 200_000
    appointments: int = 1_000_000
    days_past: int = 365
    days_future: int = 30
    heavy_visits: int = 700
    prescription_share: float = 0.5
    domain: str = "scale.example"
    seed: int = 12


@dataclass
class Table:
    model: type[models.Model]
    fields: list[models.Field]
    defaults: list
    rows: list[tuple] = field(default_factory=list)
    written: int = 0


class BulkLoader:
    """Collects rows per model and writes them with COPY (PostgreSQL) or executemany (elsewhere)."""

    FLUSH_EVERY = 50_000

    def __init__(self) -> None:
        self.tables: dict[type[models.Model], Table] = {}
        self.next_ids: dict[type[models.Model], int] = {}
        self.now = timezone.now()
        self.postgres = connection.vendor == "postgresql"

    def _table(self, model) -> Table:
        if model not in self.tables:
            fields = list(model._meta.concrete_fields)
            self.tables[model] = Table(model, fields, [self._default(f) for f in fields])
        return self.tables[model]

    def _default(self, f: models.Field):
        if f.has_default():
            return f.get_default()
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.now
        if f.null:
            return None
        if f.empty_strings_allowed:  # char, text, file fields
            return ""
        return None

    def next_id(self, model) -> int:
        if model not in self.next_ids:
            self.next_ids[model] = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    def add(self, model, **values) -> int:
        table = self._table(model)
        pk_name = model._meta.pk.attname
        if pk_name not in values:
            values[pk_name] = self.next_id(model)
        row = tuple(values.pop(f.attname, d) for f, d in zip(table.fields, table.defaults, strict=True))
        if values:
            raise TypeError(f"{model.__name__} has no field(s) {', '.join(values)}")
        table.rows.append(row)
        if len(table.rows) >= self.FLUSH_EVERY:
            self.flush(model)
        return row[[f.attname for f in table.fields].index(pk_name)]

    def flush(self, model=None) -> None:
        for table in [self.tables[model]] if model else list(self.tables.values()):
            if not table.rows:
                continue
            db_table = table.model._meta.db_table
            columns = ", ".join(connection.ops.quote_name(f.column) for f in table.fields)
            with connection.cursor() as cursor:
                if self.postgres:
                    with cursor.cursor.copy(f"COPY {db_table} ({columns}) FROM STDIN") as copy:
                        for row in table.rows:
                            copy.write_row(row)
                else:
                    prepared = [
                        tuple(f.get_db_prep_save(v, connection) for f, v in zip(table.fields, row, strict=True))
                        for row in table.rows
                    ]
                    marks = ", ".join(["%s"] * len(table.fields))
                    cursor.executemany(f"INSERT INTO {db_table} ({columns}) VALUES ({marks})", prepared)  # noqa: S608 - model tables
            table.written += len(table.rows)
            table.rows = []

    def through(self, relation) -> type[models.Model]:
        return relation.through


class PostgresIndexes:
    """Drops the secondary indexes and constraints of tables before a bulk load and recreates them after."""

    def __init__(self, models_: list[type[models.Model]]):
        self.tables = [m._meta.db_table for m in models_]
        self.saved: list[tuple[str, str, str]] = []  # (table, kind, definition)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype <> 'p' ORDER BY contype <> 'f'",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.saved.append(
                        (table, "constraint", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                    )
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.saved.append((table, "index", definition))
                    cursor.execute(f"DROP INDEX {name}")

    def restore(self, log=print) -> None:
        # Indexes first, then unique/exclusion/check constraints, foreign keys last (they read other tables).
        order = {"index": 0, "constraint": 1}
        statements = sorted(self.saved, key=lambda s: (order[s[1]], "FOREIGN KEY" in s[2]))
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _table, _kind, statement in statements:
                cursor.execute(statement)
        log(f"rebuilt {len(statements)} indexes and constraints")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def generate(config: ScaleConfig, log=print) -> dict:
    rng = random.Random(config.seed)
    loader = BulkLoader()
    now = loader.now
    today = now.date()
    domain = config.domain
    if User.objects.filter(email__endswith=f"@{domain}").exists():
        raise ValueError(f"This database already has scale data for @{domain} (use another --domain).")
    password = make_password(SCALE_PASSWORD)
    big = [User, PatientProfile, Appointment, VisitNote, Prescription, PrescriptionItem, Diagnosis]
    indexes = PostgresIndexes(big) if loader.postgres else None
    if indexes:
        indexes.drop()

    def user(email: str, role: str, full_name: str, **extra) -> int:
        return loader.add(
            User, email=email, password=password, full_name=full_name, role=role, date_joined=now, **extra
        )

    user(f"super@{domain}", User.Role.SUPER_ADMIN, "Scale Superuser", is_superuser=True, is_staff=True)

    # Specializations are shared reference data: reuse what exists.
    specialties = []
    for name in SPECIALTIES:
        spec, _ = Specialization.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})
        specialties.append(spec.pk)

    # Hospitals, departments, admins and front desks.
    hospitals, departments_of = [], defaultdict(list)
    for i in range(1, config.hospitals + 1):
        city, tz = CITIES[(i - 1) % len(CITIES)]
        hospital_id = loader.add(
            Hospital, name=f"{city} Scale Hospital {i}", slug=f"scale-hospital-{i}", city=city,
            address=f"{i} Hospital Road, {city}", phone=f"+91 80 5555 {i:04d}", time_zone=tz,
            status=Hospital.Status.APPROVED, created_at=now, status_changed_at=now,
        )  # fmt: skip
        hospitals.append((hospital_id, zoneinfo.ZoneInfo(tz)))
        for name in DEPARTMENTS:
            departments_of[hospital_id].append(loader.add(Department, hospital_id=hospital_id, name=name))
        for role, prefix, user_role in [
            (HospitalMembership.Role.ADMIN, "hadmin", User.Role.HOSPITAL_ADMIN),
            (HospitalMembership.Role.FRONT_DESK, "desk", User.Role.STAFF),
        ]:
            member = user(f"{prefix}{i}@{domain}", user_role, _name(rng))
            loader.add(HospitalMembership, user_id=member, hospital_id=hospital_id, role=role, created_at=now)

    # Doctors: each works at one hospital (every fifth at a second one too), Monday to Saturday 09:00-17:00.
    doctors = []  # (doctor id, user id, primary hospital index)
    spec_through = DoctorProfile.specializations.through
    for d in range(1, config.doctors + 1):
        uid = user(f"doctor{d}@{domain}", User.Role.DOCTOR, _name(rng))
        doctor_id = loader.add(
            DoctorProfile, user_id=uid, registration_number=f"SCALE-{d:06d}", qualifications="MBBS, MD",
            years_of_experience=rng.randint(1, 35), bio="",
        )  # fmt: skip
        home = (d - 1) % len(hospitals)
        doctors.append((doctor_id, uid, home))
        for spec in rng.sample(specialties, 2):
            loader.add(spec_through, doctorprofile_id=doctor_id, specialization_id=spec)
        worksites = [home] + ([(home + 1) % len(hospitals)] if d % 5 == 0 and len(hospitals) > 1 else [])
        for index in worksites:
            hospital_id = hospitals[index][0]
            loader.add(
                Affiliation, doctor_id=doctor_id, hospital_id=hospital_id,
                department_id=rng.choice(departments_of[hospital_id]), consultation_fee=Decimal("500.00"),
                is_active=True, started_at=now,
            )  # fmt: skip
        schedule = loader.add(
            WeeklySchedule, doctor_id=doctor_id, hospital_id=hospitals[home][0],
            valid_from=today - datetime.timedelta(days=config.days_past + 1), created_at=now,
        )  # fmt: skip
        for weekday in range(6):
            loader.add(
                ScheduleRange, schedule_id=schedule, weekday=weekday, start_time=datetime.time(9),
                end_time=datetime.time(17), mode=Appointment.Mode.IN_PERSON,
            )  # fmt: skip

    # Patients (the first one is the heavy patient with a long history).
    patients = []
    for p in range(1, config.patients + 1):
        email = f"heavy@{domain}" if p == 1 else f"patient{p}@{domain}"
        uid = user(email, User.Role.PATIENT, _name(rng), phone=f"+49 151 {p:08d}")
        pid = loader.next_id(PatientProfile)
        loader.add(
            PatientProfile, id=pid, user_id=uid, patient_number=f"P{pid:06d}",
            date_of_birth=datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(30000)),
            sex=rng.choice(["female", "male"]), blood_group=rng.choice(["A+", "B+", "O+", "AB+", ""]),
        )  # fmt: skip
        patients.append((pid, uid))
    loader.flush()
    log(f"{len(hospitals)} hospitals, {len(doctors)} doctors, {len(patients)} patients")

    # Every doctor's booked slots: on working days, a random handful of the 16 daily half-hours.
    days = [today + datetime.timedelta(days=n) for n in range(-config.days_past, config.days_future + 1)]
    working_days = [day for day in days if day.weekday() != 6]
    per_day = 1.005 * config.appointments / max(1, len(doctors) * len(working_days))  # trimmed to the total below
    base_cache: dict[tuple[int, datetime.date], datetime.datetime] = {}
    slots = []  # (doctor index, start)
    for index, (_doctor_id, _uid, home) in enumerate(doctors):
        hospital_id, tz = hospitals[home]
        for day in working_days:
            count = min(SLOTS_PER_DAY, int(per_day) + (1 if rng.random() < per_day % 1 else 0))
            if not count:
                continue
            key = (hospital_id, day)
            if key not in base_cache:
                base_cache[key] = datetime.datetime.combine(day, datetime.time(9), tz).astimezone(datetime.UTC)
            for slot in rng.sample(range(SLOTS_PER_DAY), count):
                slots.append((index, base_cache[key] + datetime.timedelta(minutes=30 * slot)))
    slots = slots[: config.appointments]

    # The heavy patient: `heavy_visits` past slots at distinct times, a share of them with doctor 1.
    taken: set[tuple[int, datetime.datetime]] = set()
    owner = [0] * len(slots)
    past = [i for i, (_, start) in enumerate(slots) if start < now - datetime.timedelta(hours=1)]
    heavy_pool = [i for i in past if slots[i][0] == 0][: int(config.heavy_visits * HEAVY_DOCTOR_SHARE)]
    heavy_pool += rng.sample(past, min(len(past), config.heavy_visits * 3))
    heavy_slots = set()
    for i in heavy_pool:
        if len(heavy_slots) >= config.heavy_visits:
            break
        if (0, slots[i][1]) not in taken:
            taken.add((0, slots[i][1]))
            heavy_slots.add(i)
    for i in range(len(slots)):
        if i in heavy_slots:
            continue
        while True:
            p = rng.randrange(1, len(patients)) if len(patients) > 1 else 0
            if (p, slots[i][1]) not in taken:
                taken.add((p, slots[i][1]))
                owner[i] = p
                break
    del taken

    # Appointments, and for every completed one a visit note; half of those get a prescription.
    counts = defaultdict(int)
    Status = Appointment.Status
    for i, (doctor_index, start) in enumerate(slots):
        doctor_id, doctor_uid, home = doctors[doctor_index]
        hospital_id = hospitals[home][0]
        patient_id, patient_uid = patients[owner[i]]
        end = start + datetime.timedelta(minutes=30)
        roll = rng.random()
        if i in heavy_slots:
            status = Status.COMPLETED
        elif end < now:
            status = Status.COMPLETED if roll < 0.85 else Status.CANCELLED if roll < 0.93 else Status.NO_SHOW
        elif start.date() == today:
            status = Status.CHECKED_IN if roll < 0.2 else Status.BOOKED
        else:
            status = Status.BOOKED if roll < 0.92 else Status.CANCELLED
        appointment_id = loader.add(
            Appointment, patient_id=patient_id, doctor_id=doctor_id, hospital_id=hospital_id, start_at=start,
            end_at=end, status=status, reason=rng.choice(REASONS), booked_by_id=patient_uid,
            created_at=start - datetime.timedelta(days=7),
        )  # fmt: skip
        counts["appointments"] += 1
        if status != Status.COMPLETED:
            continue
        visit_id = loader.add(
            VisitNote, appointment_id=appointment_id, patient_id=patient_id, doctor_id=doctor_id,
            hospital_id=hospital_id, chief_complaint=rng.choice(REASONS) or "Check-up",
            findings="Chest clear, heart sounds normal.", bp_systolic=rng.randint(105, 160),
            bp_diastolic=rng.randint(65, 100), pulse=rng.randint(55, 100),
            temperature_c=Decimal(f"{rng.uniform(36.2, 38.5):.1f}"), weight_kg=Decimal(f"{rng.uniform(50, 100):.1f}"),
            spo2=rng.randint(94, 100), plan="Continue current treatment.", created_at=end, updated_at=end,
            updated_by_id=doctor_uid,
        )  # fmt: skip
        counts["visits"] += 1
        if rng.random() < 0.4 or i in heavy_slots:
            code, text = rng.choice(DIAGNOSES)
            loader.add(
                Diagnosis, visit_id=visit_id, icd10_code=code, description=text, is_primary=True,
                created_by_id=doctor_uid, created_at=end,
            )  # fmt: skip
        if rng.random() < config.prescription_share:
            rx = loader.next_id(Prescription)
            loader.add(
                Prescription, id=rx, visit_id=visit_id, patient_id=patient_id, doctor_id=doctor_id,
                hospital_id=hospital_id, series=rx, status=Prescription.Status.ISSUED, created_by_id=doctor_uid,
                created_at=end, issued_by_id=doctor_uid, issued_at=end,
            )  # fmt: skip
            counts["prescriptions"] += 1
            for position, (name, strength, form) in enumerate(rng.sample(MEDICINES, rng.randint(1, 2))):
                loader.add(
                    PrescriptionItem, prescription_id=rx, medicine_name=name, strength=strength, form=form,
                    dose="1 " + form, frequency="twice a day", duration="5 days", position=position,
                )  # fmt: skip
    loader.flush()
    log(f"{counts['appointments']} appointments, {counts['visits']} visits, {counts['prescriptions']} prescriptions")

    if indexes:
        indexes.restore(log)
        with connection.cursor() as cursor:
            for model in loader.tables:
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
    return dict(counts, heavy_patient=patients[0][0], doctor=doctors[0][0] if doctors else None)


def analyze() -> None:
    """Fresh planner statistics (and, outside a transaction, the visibility map for index-only scans)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
