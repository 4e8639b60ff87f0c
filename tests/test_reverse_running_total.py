"""A reversal lists for review the later settlements it may change: those whose annual cap bound, and, when the
reversed settlement moved a running total that segments start from (Guang'an's A0, GA-PAY-5), every later one.

ILLUSTRATIVE critical-illness table (NOT Guang'an policy): threshold 5,000; 5,000–30,000 at 50 %; 30,000–100,000
at 60 %; above at 70 %. Amounts in yuan in comments, fen in assertions.
"""

from __future__ import annotations

import datetime as dt

from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, layer, make_case, make_engine
from jiuzhu.model.idcard import make
from jiuzhu.store import Store

PATH = [{"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary"},
        {"kind": "referral", "to": "武胜县人民医院", "to_level": "county",
         "actions": [{"kind": "filing", "by": "primary_facility"}]}]
A = make("511622", dt.date(1960, 1, 1), 31)


def stay(key, admitted, in_scope, basic, critical):
    return make_case({"person": {"id_number": A, "categories": ["dibao"], "area": "rural"},
                      "facility": {"name": "武胜县人民医院", "level": "county", "location": "511622"},
                      "episode": {"admitted": admitted, "path": PATH},
                      "bill": {"total": in_scope, "in_scope": in_scope, "basic_paid": basic, "critical_paid": critical,
                               "setl_id": key}})


def test_reversing_a_stay_lists_the_later_stays_its_running_total_moved(tmp_path):
    # default reading (GA-AMB-6 A: no cap on the tilt). T1: K = 10,000 − 7,000 = 3,000, below the 5,000 threshold →
    # tilt 0.00; the year's running total 0 → 3,000. T2: K = 10,000 − 5,000 = 5,000 on [3,000, 8,000]: 3,000 above
    # the threshold × 5 % = 150.00 (from 0 it would be [0, 5,000] → 0.00). T2's cap bound nothing, yet reversing T1
    # changes it: T2 is listed (it once was not). Reversing T2, the latest, lists nothing.
    eng = make_engine({"compose_parents": False}, parameters=ILLUSTRATIVE_PARAMETERS)
    store = Store.open(f"sqlite:///{tmp_path / 'l.db'}", upgrade=True)
    try:
        assert layer(store.settle(eng, stay("T1", "2018-03-01", "10000", "7000", "0"), "guangan").outcome,
                     "critical_illness_tilt") == 0
        t2 = store.settle(eng, stay("T2", "2018-04-01", "10000", "5000", "1500"), "guangan").outcome
        assert layer(t2, "critical_illness_tilt") == 15_000
        assert store.reverse("T1", "冲正").review == ("T2",)
        assert store.reverse("T2", "冲正").review == ()
    finally:
        store.close()
