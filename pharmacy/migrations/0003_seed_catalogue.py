"""The medicine catalogue starts as the shipped list (prescriptions/data/medicines.csv)."""

from django.db import migrations


def forward(apps, schema_editor):
    from pharmacy.catalogue import load_catalogue

    load_catalogue(apps.get_model("pharmacy", "Product"))


class Migration(migrations.Migration):
    dependencies = [("pharmacy", "0002_movements_append_only")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
