"""A resident ID number is 18 ASCII characters, for one case and for the batch alike: spaces around it and
full-width digits or X are refused by the loader (jiuzhu.model.idcard.problem) as by the batch's checks
(jiuzhu.analysis.checks.normalise), never read as a second spelling of a person.

21042119520803007X: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over its 17 digits sum to 211 ≡ 2 (mod 11),
and position 2 of 10X98765432 is X.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.io.loader import loads_case
from jiuzhu.model.errors import InputError
from store_support import fushun_case

UPPER = "21042119520803007X"
MARCH = ("FS-X-1", "2025-03-02", "2025-03-12", "11000", "5000", "1000")


def case_text(id_number: str) -> str:
    return f"""
region = "fushun"
[person]
id_number = "{id_number}"
hukou = "210421101000"
categories = ["dibao"]
area = "rural"
scheme = "ncms"
[facility]
name = "抚顺县人民医院"
level = "county"
designations = ["insurance"]
location = "210421"
[episode]
kind = "inpatient"
admitted = 2025-03-02
discharged = 2025-03-12
diagnoses = ["J44.1"]
[bill]
total = "12000"
in_scope = "11000"
fully_self_paid = "1000"
deductible = "500"
basic_paid = "5000"
"""


@pytest.mark.parametrize("given, expected", [
    (" " + UPPER, "expected 18 characters"),          # a leading space: not stripped, refused
    (UPPER + " ", "expected 18 characters"),          # a trailing one too
    ("２１０４２１１９５２０８０３００７X", "expected 17 digits and a digit or X"),  # full-width digits
    ("21042119520803007Ｘ", "expected 17 digits and a digit or X"),  # a full-width X
])
def test_other_spellings_are_refused_by_the_loader_and_the_batch(given, expected):
    with pytest.raises(InputError) as exc:
        loads_case(case_text(given))
    assert exc.value.field == "person.id_number" and exc.value.expected == expected
    assert exc.value.value is None  # the number is not repeated
    row = flatten(fushun_case(*MARCH, id_number=UPPER))
    row["person.id_number"] = given
    table, ok, errors = normalise(pa.table(rows_to_columns([row])), 0, ["fushun"])
    assert list(ok) == [False]
    assert [(e.row, e.field) for e in errors] == [(1, "person.id_number")]
