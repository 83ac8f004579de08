"""Small guards for raw input that does not go through a Django form field.

Everything a user can type must end in a clear message or a 404, never a 500: database drivers refuse
integers past 64 bits (SQLite) and NUL characters in text (PostgreSQL), and `str.isdigit()` accepts
Unicode digits such as "²" that `int()` rejects."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

MAX_DB_INT = 2**63 - 1
# Dates outside this range are typing mistakes here (and 9999-12-31 + 1 day overflows).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2200, 12, 31)


def parse_id(value: object) -> int | None:
    """A database id from a query string or POST value, or None if it cannot be one."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_DB_INT else None


def parse_ids(values) -> list[int]:
    return [number for number in (parse_id(value) for value in values) if number is not None]


def validate_sensible_date(value: datetime.date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")


def validate_date_of_birth(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError("The date of birth cannot be in the future.")
    if value < EARLIEST_DATE:
        raise ValidationError(f"Enter a date of birth after {EARLIEST_DATE.year}.")


class IdsModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids a database cannot hold with the usual "not one of the choices" error, instead of
    letting SQLite raise OverflowError inside the `__in` lookup."""

    def _check_values(self, value):
        for item in value:
            text = str(item).strip()
            if text.isascii() and text.isdigit() and int(text) > MAX_DB_INT:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)
