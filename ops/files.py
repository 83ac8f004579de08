"""Uploaded files referenced by the database, and whether storage still has them (`manage.py verify_files`)."""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models


@dataclass
class FileReport:
    referenced: int = 0
    missing: list[str] = field(default_factory=list)  # "app.Model.field #pk: name"


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    found = []
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField) and model_field.concrete:
                found.append((model, model_field))
    return found


def verify_files(*, using: str = "default") -> FileReport:
    report = FileReport()
    for model, model_field in file_fields():
        rows = (
            model._default_manager.using(using)
            .exclude(**{model_field.name: ""})
            .exclude(**{f"{model_field.name}__isnull": True})
            .values_list("pk", model_field.name)
        )
        for pk, name in rows.iterator():
            report.referenced += 1
            if not model_field.storage.exists(name):
                report.missing.append(f"{model._meta.label}.{model_field.name} #{pk}: {name}")
    return report
