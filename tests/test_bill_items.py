"""One meaning of ``bill.items``: each item sits in one slip column, the items of a column never exceed it,
and a rule picking items (:func:`jiuzhu.rules.settle.item_lines`) takes each once."""

from __future__ import annotations

import pytest

from jiuzhu.io.loader import unstructure_case
from jiuzhu.kit.testing import BASE, make_case, merge
from jiuzhu.model.errors import InputError
from jiuzhu.rules.settle import item_lines

from tests.test_bad_input import one_line_error, run

# 10000 = 7000 in scope + 1500 first self-paid + 500 over limit + 1000 fully self-paid
SLIP = {"total": "10000", "in_scope": "7000", "first_self_paid": "1500", "over_limit": "500", "fully_self_paid": "1000"}


def with_items(*items):
    return make_case({"bill": {**SLIP, "items": list(items)}})


def test_default_column_is_fully_self_paid_and_round_trips():
    c = with_items({"name": "目录外药品", "amount": "1000"})
    assert c.bill.items[0].column == "fully_self_paid"
    again = make_case(unstructure_case(c))
    assert again.bill.items == c.bill.items


def test_items_up_to_each_column_are_accepted():
    # every column filled exactly: 7000 + 1500 + 500 + 1000
    c = with_items({"name": "a", "amount": "7000", "column": "in_scope"},
                   {"name": "b", "amount": "1000", "column": "first_self_paid"},
                   {"name": "c", "amount": "500", "column": "first_self_paid"},
                   {"name": "d", "amount": "500", "column": "over_limit"},
                   {"name": "e", "amount": "1000"})
    assert [it.column for it in c.bill.items][-1] == "fully_self_paid"


@pytest.mark.parametrize("items,field,sum_,column_value", [
    # one fen above the 1000 of 全自费
    ([{"name": "PET-CT", "amount": "1000.01"}], "bill.items[0].amount", "1000.01", "1000.00"),
    # two first self-paid items, 900 + 600.01 = 1500.01 > 1500: the second is at fault
    ([{"name": "a", "amount": "900", "column": "first_self_paid"},
      {"name": "b", "amount": "600.01", "column": "first_self_paid"}], "bill.items[1].amount", "1500.01", "1500.00"),
    # over limit 500: 500.50
    ([{"name": "a", "amount": "500.50", "column": "over_limit"}], "bill.items[0].amount", "500.50", "500.00"),
])
def test_items_beyond_their_column_are_refused(items, field, sum_, column_value):
    with pytest.raises(InputError) as e:
        with_items(*items)
    msg = str(e.value)
    assert msg.startswith(field) and f"together ({sum_})" in msg and column_value in msg


def test_unknown_column_and_negative_amount_are_refused():
    with pytest.raises(InputError, match=r"bill.items\[0\].column.*expected one of fully_self_paid"):
        with_items({"name": "a", "amount": "1", "column": "self_pay"})
    with pytest.raises(InputError, match=r"bill.items\[0\].amount.*0 or more"):
        with_items({"name": "a", "amount": "-1"})


def test_cli_names_the_item_in_one_line(tmp_path):
    raw = merge(BASE, {"bill": {**SLIP, "items": [{"name": "PET-CT", "amount": "2000"}]}})
    one_line_error(run(tmp_path, raw), "bill.items[0].amount", "fully_self_paid", "1000.00")


def test_item_lines_take_each_item_once_and_only_from_the_columns_named():
    c = with_items({"name": "PET-CT（超物价）", "amount": "300", "column": "first_self_paid", "tags": ["pet_ct", "over_price"]},
                   {"name": "PET-CT（自费）", "amount": "1000", "tags": ["pet_ct"]},
                   {"name": "普通CT", "amount": "200", "column": "in_scope", "tags": ["ct"]},
                   {"name": "胶囊内镜", "amount": "400", "column": "in_scope", "tags": ["capsule_endoscopy"]})
    tags = ["pet_ct", "over_price", "capsule_endoscopy"]
    assert item_lines(c.bill.items, tags) == ("items.line.0", "items.line.1", "items.line.3")
    assert item_lines(c.bill.items, tags, ["first_self_paid", "in_scope"]) == ("items.line.0", "items.line.3")
    assert item_lines(c.bill.items, []) == ()
