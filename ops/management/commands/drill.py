"""Steps of the restore drill (deploy/restore-drill.sh) that need the app: marker rows, table checksums, smoke test.

manage.py drill mark --count 200     marker notifications + a marker document (with its file)
manage.py drill checksums            {table: [rows, md5 of all rows]} for every table, as JSON
manage.py drill smoke                signs in as the demo patient and reads the pages the markers live on
"""

import hashlib
import json

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import Notification
from patients.models import ClinicalDocument

MARKER = "Restore drill marker"
MARKER_PDF = b"%PDF-1.4\n% restore drill marker document\n%%EOF\n"


class Command(BaseCommand):
    help = "Restore drill steps: mark, checksums, smoke (see deploy/restore-drill.sh)."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["mark", "checksums", "smoke"])
        parser.add_argument("--count", type=int, default=200)
        parser.add_argument("--email", default="patient@example.com")

    def handle(self, *args, step, count, email, **options):
        getattr(self, f"_{step}")(count=count, email=email)

    def _mark(self, *, count: int, email: str) -> None:
        user = User.objects.get(email=email)
        with transaction.atomic():
            Notification.objects.bulk_create(
                Notification(recipient=user, kind=Notification.Kind.ACCOUNT, title=f"{MARKER} {n}")
                for n in range(1, count + 1)
            )
            document = ClinicalDocument(
                patient=user.patient_profile, uploaded_by=user, title=MARKER, kind=ClinicalDocument.Kind.PDF,
                content_type="application/pdf", original_name="drill.pdf", size=len(MARKER_PDF),
            )  # fmt: skip
            document.file.save("drill.pdf", ContentFile(MARKER_PDF), save=False)
            document.save()
        self.stdout.write(f"{count} marker notifications and document #{document.pk} written")

    def _checksums(self, **_) -> None:
        result = {}
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.table_names(cursor, include_views=False)):
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"SELECT t::text FROM {quoted} AS t")  # noqa: S608 - names from the catalogue
                rows = sorted(row[0] for row in cursor.fetchall())
                digest = hashlib.md5("\n".join(rows).encode(), usedforsecurity=False).hexdigest()
                result[table] = [len(rows), digest]
        self.stdout.write(json.dumps(result, sort_keys=True))

    def _smoke(self, *, email: str, **_) -> None:
        client = Client()
        checks = []
        health = client.get("/healthz/")
        checks.append(("healthz", health.status_code == 200))
        user = User.objects.get(email=email)
        client.force_login(user)
        checks.append(("dashboard", client.get(reverse("dashboard"), follow=True).status_code == 200))
        page = client.get(reverse("notifications:list"))
        checks.append(("marker notifications listed", page.status_code == 200 and MARKER.encode() in page.content))
        document = ClinicalDocument.objects.filter(patient__user=user, title=MARKER).first()
        if document is None:
            checks.append(("marker document row", False))
        else:
            response = client.get(reverse("patients:document_file", args=[document.pk]))
            body = b"".join(response.streaming_content) if response.status_code == 200 else b""
            checks.append(("marker document file served", body == MARKER_PDF))
        for name, ok in checks:
            self.stdout.write(f"  {'ok  ' if ok else 'FAIL'} {name}")
        if not all(ok for _, ok in checks):
            raise CommandError("Smoke test failed")
        self.stdout.write(self.style.SUCCESS("Smoke test passed"))
