"""Issue 10: doctors who typed "Dr Vikram …" were shown as "Dr Dr Vikram …". Names are now stored without the
title (User.save strips it); this removes it from the names already stored."""

import re

from django.db import migrations

_DOCTOR_TITLE = re.compile(r"^(?:(?:dr|doctor)\b\.?\s*)+", re.IGNORECASE)


def strip_titles(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(role="doctor").only("pk", "full_name").iterator():
        name = " ".join(user.full_name.split())
        stripped = _DOCTOR_TITLE.sub("", name).strip() or name
        if stripped != user.full_name:
            User.objects.filter(pk=user.pk).update(full_name=stripped)


class Migration(migrations.Migration):
    dependencies = [("doctors", "0002_languages_photo"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(strip_titles, migrations.RunPython.noop)]
