"""Text no form can hold (C0 control characters other than tab, line feed and carriage return) is refused
by the loader in every field of a case (``jiuzhu.io.loader._check_text``); a claims file's rows are checked
the same, on every row and every text column, also those that are not facts (names, addresses, claim ids),
so that a row is never computed in a batch when the same claim alone is refused."""

from __future__ import annotations

import pyarrow as pa
import pytest

from jiuzhu.analysis.batch import flatten, rows_to_columns, unflatten
from jiuzhu.analysis.checks import normalise
from jiuzhu.io.loader import structure_case
from jiuzhu.kit.testing import make_case
from jiuzhu.model.errors import InputError

from test_batch_agreement import REGIONS

BAD = [("person.name", "张\x01三"), ("person.hukou_address", "某村\x0b"), ("claim_id", "K\x02"),
       ("person.card_number", "\x07"), ("bill.setl_id", "\x1f"), ("facility.name", "医院\x00")]


@pytest.mark.parametrize("column,value", BAD)
def test_a_control_character_in_any_text_column_is_an_invalid_row(column, value):
    first = flatten(make_case({"id": "K1"}))
    rows = [first, {**first, "claim_id": "K2", column: value}, {**first, "claim_id": "K3"}]
    with pytest.raises(InputError):  # the loader refuses the claim alone
        structure_case(unflatten(rows[1]))
    table, ok, errors = normalise(pa.table(rows_to_columns(rows)), 0, REGIONS)
    assert [(e.row, e.field) for e in errors] == [(2, column)]
    assert ok.tolist() == [True, False, True]
    assert "control" in errors[0].expected and value not in errors[0].claim_id + errors[0].expected


def test_tab_line_feed_and_carriage_return_are_text():
    first = flatten(make_case({"id": "K1"}))
    rows = [{**first, "person.hukou_address": "某镇\t某村\r\n3组"}]
    table, ok, errors = normalise(pa.table(rows_to_columns(rows)), 0, REGIONS)
    assert not errors
