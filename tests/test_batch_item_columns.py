"""A self-pay item sits in one slip column, and a column's items never add up to more than that column
(the loader's check, ``jiuzhu.io.loader.check``): in a batch every row is checked so, not only the
first row of claims that share their facts (items are facts, the slip's amounts are not)."""

from __future__ import annotations

import pyarrow as pa

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import ClaimTable, evaluate_region
from jiuzhu.kit.testing import make_case

from test_batch_agreement import ENGINE, REGIONS

ITEMS = [{"name": "某自费药", "amount": "500", "column": "fully_self_paid"},
         {"name": "某乙类药", "amount": "200", "column": "first_self_paid"}]


def _rows():
    # row 1: fully self-paid 1,000 ≥ 500 and first self-paid 300 ≥ 200: the items fit
    # total 10,000 = in-scope 8,700 + first self-paid 300 + fully self-paid 1,000
    first = flatten(make_case({"id": "I1", "bill": {"total": "10000", "in_scope": "8700", "first_self_paid": "300",
                                                     "fully_self_paid": "1000", "items": ITEMS}}))
    # row 2: the same claim with fully self-paid 300 < the item's 500 (total 9,300 = 8,700 + 300 + 300)
    second = {**first, "claim_id": "I2", "bill.total_fen": 930_000, "bill.fully_self_paid_fen": 30_000}
    # row 3: first self-paid 100 < the 200 item there (total 9,800 = 8,700 + 100 + 1,000)
    third = {**first, "claim_id": "I3", "bill.total_fen": 980_000, "bill.first_self_paid_fen": 10_000}
    return [first, second, third, {**first, "claim_id": "I4"}]


def test_items_beyond_their_column_are_invalid_rows_whatever_row_comes_first():
    for order in ([0, 1, 2, 3], [1, 0, 3, 2]):
        rows = [_rows()[i] for i in order]
        table, ok, errors = normalise(pa.table(rows_to_columns(rows)), 0, REGIONS)
        got = {(e.row, e.claim_id, e.field) for e in errors}
        want = {(order.index(1) + 1, "I2", "bill.items"), (order.index(2) + 1, "I3", "bill.items")}
        assert got == want
        assert ok.tolist() == [i in (0, 3) for i in order]


def test_the_valid_rows_of_the_group_still_settle():
    rows = [r for r in _rows() if r["claim_id"] in ("I1", "I4")]
    table, ok, errors = normalise(pa.table(rows_to_columns(rows)), 0, REGIONS)
    assert not errors
    run = evaluate_region(ENGINE, ClaimTable(table), "fushun")
    assert not run.error and run.invalid is None or not run.invalid.any()
