from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from appointments import calls


class Command(BaseCommand):
    help = (
        "Make sure the demo doctor and patient have a video appointment whose call is open now "
        "(reuses one if it exists). Run seed_demo first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--doctor", default="doctor@example.com")
        parser.add_argument("--patient", default="patient@example.com")

    def handle(self, *args, doctor: str, patient: str, **options):
        try:
            appointment, created = calls.call_demo_appointment(doctor_email=doctor, patient_email=patient)
        except calls.CallError as error:
            raise CommandError(str(error)) from error
        except ObjectDoesNotExist as error:
            raise CommandError(f"{doctor} or {patient} does not exist: run `manage.py seed_demo` first.") from error
        window = calls.call_window(appointment)
        self.stdout.write(
            f"{'Created' if created else 'Reusing'} video appointment #{appointment.pk}: "
            f"{appointment.patient.user.full_name} with {appointment.doctor.display_name} at "
            f"{calls.format_in_hospital_zone(appointment, appointment.start_at)}.\n"
            f"The call is open until {calls.format_in_hospital_zone(appointment, window.closes_at)}.\n"
            f"Call page: {reverse('appointments:call', args=[appointment.pk])} "
            f"(log in as {doctor} in one browser and as {patient} in another, or use the "
            "'Join video call' button on each dashboard)."
        )
