"""Diagnoses to policy condition tags: tags pass through, ICD-10 codes map through data/icd10.toml.

A key of the table is a code prefix ("C50", "N18.5") or an inclusive range of three-character
categories ("C91-C95"). A code gets the tags of every key that covers it; a deployment's
``[conditions]`` adds keys or replaces a key's tags (an empty list removes the key).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jiuzhu.model.tomlio import load_toml
from jiuzhu.model.vocab import CONDITIONS

_ICD = re.compile(r"^[A-Z]\d{2}(\.\d{1,4})?[A-Z0-9]*$")
_CAT = re.compile(r"^[A-Z]\d{2}$")
_RANGE = re.compile(r"^([A-Z]\d{2})-([A-Z]\d{2})$")


def _ordinal(category: str) -> int:
    return (ord(category[0]) - ord("A")) * 100 + int(category[1:3])


def _category(n: int) -> str:
    return f"{chr(ord('A') + n // 100)}{n % 100:02d}"


def expand(table: dict) -> dict[str, tuple[str, ...]]:
    """Prefix -> tags, with each range spelt out as its three-character categories (tags united)."""
    out: dict[str, dict[str, None]] = {}  # ordered sets: a key's tags keep the table's order
    for key, tags in table.items():
        m = _RANGE.match(key.upper())
        keys = [_category(n) for n in range(_ordinal(m[1]), _ordinal(m[2]) + 1)] if m else [key.upper()]
        for k in keys:
            out.setdefault(k, {}).update(dict.fromkeys(tags))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def raw_table() -> dict[str, tuple[str, ...]]:
    raw = load_toml(Path(__file__).parent / "data" / "icd10.toml", "icd10 table")
    return {k: tuple(v) for k, v in raw.items()}


@lru_cache(maxsize=1)
def icd_table() -> dict[str, tuple[str, ...]]:
    return expand(raw_table())


@lru_cache(maxsize=64)
def _merged(extra_items: tuple) -> dict[str, tuple[str, ...]]:
    raw = {**raw_table(), **{k: tuple(v) for k, v in extra_items}}
    return expand({k: v for k, v in raw.items() if v})


def _table(extra: dict | None) -> dict[str, tuple[str, ...]]:
    if not extra:
        return icd_table()
    return _merged(tuple(sorted((k, tuple(v)) for k, v in extra.items())))


def is_icd(code: str) -> bool:
    return bool(_ICD.match(code.upper()))


def tags_for(diagnosis: str, extra: dict | None = None) -> tuple[str, ...]:
    """The condition tags of one diagnosis (a tag itself, or every tag of the keys covering the code).

    Most specific key first, each key's tags in the table's order, so the first tag names the
    condition as the table means it (N18.5 → 尿毒症 before 终末期肾病)."""
    if diagnosis in CONDITIONS:
        return (diagnosis,)
    code = diagnosis.upper()
    table = _table(extra)
    found: dict[str, None] = {}
    for n in range(len(code), 0, -1):
        found.update(dict.fromkeys(table.get(code[:n], ())))
    return tuple(found)


def unknown_diagnosis(diagnosis: str, extra: dict | None = None) -> bool:
    return diagnosis not in CONDITIONS and not is_icd(diagnosis)


def condition_tags(diagnoses, extra: dict | None = None) -> frozenset[str]:
    out: set[str] = set()
    for d in diagnoses:
        out.update(tags_for(d, extra))
    return frozenset(out)
