"""Names as people type them, stored once without decoration."""

import re

# "Dr", "Dr.", "DR", "Doctor", repeated ("Dr. Dr Vikram"): the title is added when a doctor's name is shown.
_DOCTOR_TITLE = re.compile(r"^(?:(?:dr|doctor)\b\.?\s*)+", re.IGNORECASE)


def without_doctor_title(name: str) -> str:
    """ "Dr Vikram Mehta" -> "Vikram Mehta". A name that is only a title stays as it is."""
    name = " ".join((name or "").split())
    stripped = _DOCTOR_TITLE.sub("", name).strip()
    return stripped or name
