"""Helpers for region tests: build a case from a few overrides, evaluate under a deployment.

    from jiuzhu.kit.testing import make_case, make_engine
    eng = make_engine(parameters={"wusheng": {"effective_date": "2025-10-01"}})
    out = eng.evaluate(make_case({"person": {"categories": ["dibao"]}}), region="fushun")
"""

from __future__ import annotations

import copy
import datetime as dt

from jiuzhu.io.config import parse_config
from jiuzhu.rules.engine import Engine
from jiuzhu.model.idcard import make
from jiuzhu.io.loader import structure_case
from jiuzhu.plugins import make_host

BASE = {
    "person": {"name": "测试人", "id_number": make("511622", dt.date(1950, 1, 1), 31), "hukou": "511622104000",
               "categories": ["extreme_poverty"], "support_mode": "home", "scheme": "residents"},
    "facility": {"name": "测试医院", "level": "county", "ownership": "public",
                 "designations": ["insurance", "assistance"], "location": "511622"},
    "episode": {"kind": "inpatient", "admitted": "2026-03-02", "discharged": "2026-03-10"},
    "bill": {"total": "10000", "in_scope": "10000"},
}


def merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def make_case(overrides: dict | None = None, base: dict | None = None):
    """A validated Case: ``base`` (default :data:`BASE`) deep-merged with ``overrides``."""
    return structure_case(merge(base or BASE, overrides or {}))


def make_engine(config: dict | None = None, parameters: dict | None = None, extra_plugins=None) -> Engine:
    raw = dict(config or {})
    if parameters:
        raw["parameters"] = merge(raw.get("parameters", {}), parameters)
    host = make_host(extra=extra_plugins) if extra_plugins else None
    return Engine(host=host, deployment=parse_config(raw))


def layer(outcome, layer_id: str) -> int:
    """The amount (fen) of a layer in an outcome, 0 if absent."""
    return next((l.amount for l in outcome.settlement.layers if l.id == layer_id), 0)


# Values for the deployment parameters the seeds do not give, for tests and trials only. They are
# ILLUSTRATIVE, not policy: a county sets its own in jiuzhu.toml (see examples/jiuzhu.toml).
ILLUSTRATIVE_PARAMETERS = {
    "wusheng": {"effective_date": "2025-10-01", "a2_filing_window_days": 30},
    "liujiang": {"effective_date": "2025-06-01", "high_value_threshold": "1000",
                 "premium_individual_contribution": "380",
                 # 壮族三月三 rest days: illustrative (lunar 3/3–3/4 or the next weekdays), not the region's notices
                 "extra_holidays": ["2025-03-31", "2025-04-01", "2026-04-20", "2026-04-21"]},
    "guangan": {"individual_premium": "220", "critical_illness_annual_cap": "300000",
                "critical_illness_segments": [{"from": "5000", "to": "30000", "rate": "0.5"},
                                              {"from": "30000", "to": "100000", "rate": "0.6"},
                                              {"from": "100000", "rate": "0.7"}]},
    "fushun": {"dibao_line_premium_basis": "200", "split_tolerance": "0.01"},
    "jingjiang": {"renewed_agreement_end": "2026-12-31"},
}
