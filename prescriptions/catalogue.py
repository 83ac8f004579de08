"""The ICD-10 code list and the medicine catalogue shipped with the project (prescriptions/data/*.csv).

Small enough to keep in memory; searched by code prefix or by every word of the query."""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Icd10Code:
    code: str
    description: str

    @property
    def label(self) -> str:
        return f"{self.code} — {self.description}"


@dataclass(frozen=True)
class Medicine:
    name: str
    strength: str
    form: str
    route: str

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.name, self.strength, self.form.lower()) if part)


@lru_cache(maxsize=1)
def icd10_codes() -> tuple[Icd10Code, ...]:
    with (DATA / "icd10.csv").open(encoding="utf-8") as handle:
        return tuple(
            Icd10Code(row["code"].strip().upper(), row["description"].strip()) for row in csv.DictReader(handle)
        )


@lru_cache(maxsize=1)
def icd10_by_code() -> dict[str, Icd10Code]:
    return {entry.code: entry for entry in icd10_codes()}


@lru_cache(maxsize=1)
def medicines() -> tuple[Medicine, ...]:
    with (DATA / "medicines.csv").open(encoding="utf-8") as handle:
        return tuple(
            Medicine(row["name"].strip(), row["strength"].strip(), row["form"].strip(), row["route"].strip())
            for row in csv.DictReader(handle)
        )


def _words(query: str) -> list[str]:
    return [word for word in query.lower().replace(",", " ").split() if word]


def search_icd10(query: str, limit: int = 15) -> list[Icd10Code]:
    words = _words(query)
    if not words:
        return []
    code_query = query.strip().upper()
    by_code = [entry for entry in icd10_codes() if entry.code.startswith(code_query)]
    by_words = [
        entry
        for entry in icd10_codes()
        if entry not in by_code and all(word in f"{entry.code} {entry.description}".lower() for word in words)
    ]
    return (sorted(by_code, key=lambda entry: entry.code) + by_words)[:limit]


def search_medicines(query: str, limit: int = 15) -> list[Medicine]:
    words = _words(query)
    if not words:
        return []
    matches = [entry for entry in medicines() if all(word in entry.label.lower() for word in words)]
    # Names that start with the query come first ("para" → Paracetamol before "…paracetamol combination").
    return sorted(matches, key=lambda entry: (not entry.name.lower().startswith(words[0]), entry.name))[:limit]
