from django.core.management.base import BaseCommand, CommandError

from ops.files import verify_files


class Command(BaseCommand):
    help = "Check that every uploaded file the database refers to is in storage (exit status 1 if any is missing)."

    def handle(self, *args, **options):
        report = verify_files()
        for line in report.missing:
            self.stdout.write(f"missing: {line}")
        summary = f"{report.referenced} referenced files, {len(report.missing)} referenced-but-missing"
        if report.missing:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
