"""Diagnoses to policy condition tags: tags pass through, ICD-10 codes map by longest prefix."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jiuzhu.model.tomlio import load_toml
from jiuzhu.model.vocab import CONDITIONS

_ICD = re.compile(r"^[A-Z]\d{2}(\.\d{1,4})?[A-Z0-9]*$")


@lru_cache(maxsize=1)
def icd_table() -> dict[str, tuple[str, ...]]:
    raw = load_toml(Path(__file__).parent / "data" / "icd10.toml", "icd10 table")
    return {k: tuple(v) for k, v in raw.items()}


def is_icd(code: str) -> bool:
    return bool(_ICD.match(code.upper()))


def tags_for(diagnosis: str, extra: dict | None = None) -> tuple[str, ...]:
    if diagnosis in CONDITIONS:
        return (diagnosis,)
    code = diagnosis.upper()
    table = {**icd_table(), **{k: tuple(v) for k, v in (extra or {}).items()}}
    for n in range(len(code), 0, -1):
        hit = table.get(code[:n])
        if hit:
            return hit
    return ()


def unknown_diagnosis(diagnosis: str, extra: dict | None = None) -> bool:
    return diagnosis not in CONDITIONS and not is_icd(diagnosis)


def condition_tags(diagnoses, extra: dict | None = None) -> frozenset[str]:
    out: set[str] = set()
    for d in diagnoses:
        out.update(tags_for(d, extra))
    return frozenset(out)
