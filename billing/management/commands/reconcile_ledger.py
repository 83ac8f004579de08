"""Compare every invoice with its append-only ledger: the ledger's sum must equal the invoice's balance, and the
invoice's running sums must equal its payment, refund and credit-note rows. Exit status 1 on any mismatch."""

from django.core.management.base import BaseCommand, CommandError

from billing.reconcile import ledger_mismatches


class Command(BaseCommand):
    help = "Report every invoice whose ledger sum differs from its balance (must report 0)."

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        for row in mismatches:
            self.stdout.write(
                f"invoice {row['invoice_id']} ({row['number'] or 'draft'}): {row['problem']} "
                f"ledger={row['ledger']} expected={row['expected']}"
            )
        self.stdout.write(f"{len(mismatches)} mismatches")
        if mismatches:
            raise CommandError(f"{len(mismatches)} invoices do not reconcile with the ledger")
