"""Demo data for the reports: four weeks of past visits at City Care (statuses, check-in and visit-start times,
cancellations with their lead time) and a saved report shared by hadmin@example.com.

Idempotent: once the report demo exists for the last four weeks, a second run changes nothing."""

import datetime
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from appointments.demo import BLR, _free, _on_working_day
from appointments.models import Appointment, AppointmentEvent
from reports.models import SavedReport

Status = Appointment.Status
REASON = "Routine visit (report demo)"
DOCTORS = ["doctor3@example.com", "doctor5@example.com", "doctor@example.com"]
PATIENTS = ["patient2@example.com", "patient3@example.com", "patient4@example.com", "patient@example.com"]
TIMES = ["10:00", "10:30", "11:00", "11:30", "12:00"]
# Status by position: mostly completed, some no-shows and cancellations.
PATTERN = [Status.COMPLETED, Status.COMPLETED, Status.NO_SHOW, Status.COMPLETED, Status.CANCELLED, Status.COMPLETED,
           Status.COMPLETED, Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW]  # fmt: skip


def _event(appointment, from_status, to_status, when, actor=None) -> None:
    event = AppointmentEvent.objects.create(
        appointment=appointment, from_status=from_status, to_status=to_status, actor=actor
    )
    AppointmentEvent.objects.filter(pk=event.pk).update(created_at=when)


def seed(demo: dict) -> None:
    hospital = demo["hospitals"][BLR]
    now = timezone.now()
    length = datetime.timedelta(minutes=settings.SLOT_MINUTES)
    if not Appointment.objects.filter(reason=REASON, start_at__gte=now - datetime.timedelta(days=28)).exists():
        today = now.astimezone(hospital.tz).date()
        n = 0
        for offset in range(27, 0, -1):
            for d_index, email in enumerate(DOCTORS):
                doctor = demo["doctors"][email]
                day = _on_working_day(
                    doctor, hospital, today - datetime.timedelta(days=offset), Appointment.Mode.IN_PERSON
                )
                if day >= today:
                    continue
                for t_index in range((offset + d_index) % 3 + 1):
                    at = datetime.time.fromisoformat(TIMES[(t_index + d_index) % len(TIMES)])
                    start = datetime.datetime.combine(day, at, tzinfo=hospital.tz).astimezone(datetime.UTC)
                    patient = demo["patients"][PATIENTS[(n + d_index) % len(PATIENTS)]]
                    status = PATTERN[n % len(PATTERN)]
                    n += 1
                    if not _free(doctor, patient, start, start + length):
                        continue
                    appointment = Appointment.objects.create(
                        patient=patient, doctor=doctor, hospital=hospital, start_at=start, end_at=start + length,
                        reason=REASON, booked_by=patient.user, status=status,
                    )  # fmt: skip
                    _event(appointment, "", Status.BOOKED, start - datetime.timedelta(days=3), patient.user)
                    if status == Status.CANCELLED:
                        lead = datetime.timedelta(hours=2 + 7 * (n % 9))
                        _event(appointment, Status.BOOKED, Status.CANCELLED, start - lead, patient.user)
                    elif status == Status.COMPLETED:
                        checked_in = start - datetime.timedelta(minutes=5)
                        _event(appointment, Status.BOOKED, Status.CHECKED_IN, checked_in)
                        started = checked_in + datetime.timedelta(minutes=4 + (n * 7) % 31)
                        _event(appointment, Status.CHECKED_IN, Status.IN_PROGRESS, started, doctor.user)
                        _event(appointment, Status.IN_PROGRESS, Status.COMPLETED, started + length, doctor.user)
                    elif status == Status.NO_SHOW:
                        _event(appointment, Status.BOOKED, Status.NO_SHOW, start + length)
    admin = User.objects.filter(email="hadmin@example.com").first()
    if admin is not None:
        SavedReport.objects.get_or_create(
            owner=admin, name="Last 30 days, in person",
            defaults={"hospital": hospital, "params": {"mode": Appointment.Mode.IN_PERSON}, "shared": True},
        )  # fmt: skip
    _bill_demo_visits(demo, hospital)


def _bill_demo_visits(demo: dict, hospital) -> None:
    """Invoices for the completed report-demo visits, so the Revenue tab shows something: two in three paid by card
    or UPI, every seventh paid one partly refunded, dated as a cashier would have done on the day."""
    from billing.models import Invoice, Payment, Refund
    from billing.services import invoice_generate_for_visit, invoice_issue, payment_record, refund_record

    actor = demo["superadmin"]
    visits = Appointment.objects.filter(hospital=hospital, reason=REASON, status=Status.COMPLETED).exclude(
        invoices__isnull=False
    )
    for n, appointment in enumerate(visits.order_by("start_at")):
        invoice = invoice_generate_for_visit(appointment=appointment)
        if invoice.status != Invoice.Status.DRAFT or not invoice.lines.exists():
            continue
        invoice = invoice_issue(actor=actor, invoice=invoice)
        issued_at = appointment.end_at + datetime.timedelta(minutes=10)
        Invoice.objects.filter(pk=invoice.pk).update(issued_at=issued_at)
        amount = invoice.patient_balance  # an insured patient pays only their share
        if n % 3 == 2 or amount <= 0:
            continue
        payment = payment_record(actor=actor, invoice=invoice, amount=amount, method="card" if n % 2 else "upi")
        Payment.objects.filter(pk=payment.pk).update(received_at=issued_at + datetime.timedelta(minutes=5))
        if n % 7 == 0:
            refund = refund_record(
                actor=actor,
                payment=payment,
                amount=(payment.amount / 2).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
                reason="Demo: partial refund",
            )
            Refund.objects.filter(pk=refund.pk).update(refunded_at=issued_at + datetime.timedelta(days=1))
