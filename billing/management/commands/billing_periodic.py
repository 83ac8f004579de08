"""The billing periodic jobs once (for the embedded defaults without Celery beat; safe to run often or twice)."""

from django.core.management.base import BaseCommand

from billing.services import invoices_issue_due, payment_reminders_send_due, webhooks_retry_unprocessed


class Command(BaseCommand):
    help = "Issue due visit drafts, retry failed webhook events, send due payment reminders."

    def handle(self, *args, **options):
        issued = invoices_issue_due()
        retried = webhooks_retry_unprocessed()
        reminded = payment_reminders_send_due()
        self.stdout.write(f"issued {issued}, webhook events handled {retried}, reminders sent {reminded}")
