"""Check the running totals against the ledger: for every batch, on_hand must equal the sum of its movements."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum
from django.db.models.functions import Coalesce

from pharmacy.models import Batch


class Command(BaseCommand):
    help = "Compare each batch's on-hand quantity with the sum of its stock movements; report mismatches."

    def handle(self, *args, **options):
        batches = Batch.objects.annotate(ledger=Coalesce(Sum("movements__quantity"), 0)).select_related("product")
        checked = mismatches = 0
        for batch in batches.iterator():
            checked += 1
            if batch.on_hand != batch.ledger:
                mismatches += 1
                self.stdout.write(
                    f"MISMATCH batch {batch.pk} ({batch.product.label}, {batch.batch_number}, hospital "
                    f"{batch.hospital_id}): on hand {batch.on_hand}, movements sum {batch.ledger}"
                )
        self.stdout.write(f"{checked} batches checked, {mismatches} mismatches")
        if mismatches:
            raise CommandError(f"{mismatches} batch(es) do not match their stock movements")
