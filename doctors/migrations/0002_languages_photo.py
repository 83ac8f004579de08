from django.db import migrations, models


def text_to_languages(apps, schema_editor):
    """Turn the old comma-separated language text into rows of the shared Language list."""
    DoctorProfile = apps.get_model("doctors", "DoctorProfile")
    Language = apps.get_model("doctors", "Language")
    for profile in DoctorProfile.objects.exclude(languages_text=""):
        names = {part.strip().title() for part in profile.languages_text.split(",") if part.strip()}
        profile.languages.set([Language.objects.get_or_create(name=name)[0] for name in names])


def languages_to_text(apps, schema_editor):
    DoctorProfile = apps.get_model("doctors", "DoctorProfile")
    for profile in DoctorProfile.objects.all():
        profile.languages_text = ", ".join(profile.languages.values_list("name", flat=True))
        profile.save(update_fields=["languages_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("doctors", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Language",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=60, unique=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.AddField(
            model_name="doctorprofile",
            name="photo_updated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RenameField(model_name="doctorprofile", old_name="languages", new_name="languages_text"),
        migrations.AddField(
            model_name="doctorprofile",
            name="languages",
            field=models.ManyToManyField(blank=True, related_name="doctors", to="doctors.language"),
        ),
        migrations.RunPython(text_to_languages, languages_to_text),
        migrations.RemoveField(model_name="doctorprofile", name="languages_text"),
    ]
