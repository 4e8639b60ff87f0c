"""靖江市 Jingjiang City: region plugin for jiuzhu.

Source: 靖江市精准医疗救助扶贫实施办法 (靖政办发〔2018〕107号). The rule register is rules.toml; the numbers are in parameters.toml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu import Eligibility, Plan, RegionInfo, ReferralVerdict, SignaturePlan, SourceDocument, hookimpl
from jiuzhu.signature import resolve

HERE = Path(__file__).parent

INFO = RegionInfo(
    code="jingjiang",
    name_zh="靖江市",
    name_en="Jingjiang City",
    division="321282",
    parent=None,
    level="county",
    documents=(
        SourceDocument(
            number="靖政办发〔2018〕107号",
            title="靖江市精准医疗救助扶贫实施办法",
            issuer="靖江市人民政府办公室",
            issued=dt.date.fromisoformat('2018-11-20'),
            effective_from=dt.date.fromisoformat('2019-01-01'),
            status="in force",
        ),
    ),
)


@hookimpl
def jiuzhu_region():
    return INFO


@hookimpl
def jiuzhu_parameters():
    return HERE / "parameters.toml"


@hookimpl
def jiuzhu_rules():
    return HERE / "rules.toml"


@hookimpl
def jiuzhu_templates():
    return HERE / "templates"


@hookimpl
def jiuzhu_examples():
    return HERE / "examples"


@hookimpl
def jiuzhu_eligibility(case, ctx):
    # Skeleton: hukou in the region and a recognised category. The region's own issue encodes the rules.
    groups = tuple(c for c in case.person.categories if c in ctx.params["target_groups"])
    ok = case.person.hukou.startswith("321282") and bool(groups)
    return Eligibility(ok, groups, (ctx.reason("户籍及救助对象身份" + ("符合" if ok else "不符合"),
                                               "hukou and hardship status " + ("match" if ok else "do not match")),))


@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    return ReferralVerdict("covered" if eligibility.eligible else "not_covered")


@hookimpl
def jiuzhu_signature(case, ctx):
    rank, role, name, passed = resolve(case.person)
    return SignaturePlan(role, name, rank, case.episode.decision, passed)


@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    return Plan()


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    return []
