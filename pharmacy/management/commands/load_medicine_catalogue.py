from django.core.management.base import BaseCommand

from pharmacy.catalogue import load_catalogue
from pharmacy.models import Product


class Command(BaseCommand):
    help = "Create or refresh catalogue products from prescriptions/data/medicines.csv (idempotent)."

    def handle(self, *args, **options):
        created, updated = load_catalogue(Product)
        self.stdout.write(f"{created} products created, {updated} refreshed")
