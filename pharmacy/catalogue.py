"""Loading the shipped medicine list (prescriptions/data/medicines.csv) into the Product table."""

import csv
from decimal import Decimal

from prescriptions.catalogue import DATA


def catalogue_rows() -> list[dict]:
    with (DATA / "medicines.csv").open(encoding="utf-8") as handle:
        return [
            {
                "generic_name": row["name"].strip(),
                "strength": row["strength"].strip(),
                "form": row["form"].strip(),
                "route": row["route"].strip(),
                "pack_unit": (row.get("pack_unit") or "unit").strip(),
                "hsn_code": (row.get("hsn_code") or "").strip(),
                "tax_rate": Decimal((row.get("tax_rate") or "0").strip()),
                "prescription_only": (row.get("prescription_only") or "yes").strip().lower() in ("yes", "true", "1"),
            }
            for row in csv.DictReader(handle)
        ]


def load_catalogue(product_model) -> tuple[int, int]:
    """Create missing products and refresh the details of existing ones (idempotent): (created, updated)."""
    created = updated = 0
    for row in catalogue_rows():
        key = {name: row.pop(name) for name in ("generic_name", "strength", "form")}
        _product, was_created = product_model.objects.update_or_create(**key, defaults=row)
        created += was_created
        updated += not was_created
    return created, updated
