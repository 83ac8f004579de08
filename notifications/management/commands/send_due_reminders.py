from django.core.management.base import BaseCommand

from notifications.services import reminders_send_due


class Command(BaseCommand):
    help = (
        "Send the appointment reminders that are due (24 hours and 15 minutes before, see settings). "
        "Safe to run as often as you like: each reminder goes out once. Celery beat runs it every minute "
        "when REDIS_URL is set; without Redis run it from cron or `watch -n 60`."
    )

    def handle(self, *args, **options):
        sent = reminders_send_due()
        self.stdout.write(f"Sent {sent} reminder(s).")
