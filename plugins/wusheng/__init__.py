"""武胜县 Wusheng County: region plugin for jiuzhu.

Source: 武胜县特困人员就医救助管理工作方案（征求意见稿） (武胜县特困人员就医救助管理工作方案（征求意见稿）). The rule register is rules.toml; the numbers are in parameters.toml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu import Layer, Eligibility, Plan, RegionInfo, ReferralVerdict, SignaturePlan, SourceDocument, hookimpl
from jiuzhu.signature import resolve

HERE = Path(__file__).parent

INFO = RegionInfo(
    code="wusheng",
    name_zh="武胜县",
    name_en="Wusheng County",
    division="511622",
    parent="guangan",
    level="county",
    documents=(
        SourceDocument(
            number="武胜县特困人员就医救助管理工作方案（征求意见稿）",
            title="武胜县特困人员就医救助管理工作方案（征求意见稿）",
            issuer="武胜县（县民政局牵头）",
            issued=None,
            effective_from=None,
            status="draft",
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
    ok = case.person.hukou.startswith("511622") and bool(groups)
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
    if not referral.covered:
        return Plan()
    # 三（二）: what the three layers leave is borne by the hardship relief fund.
    return Plan((Layer.from_slip("assistance_paid", ctx.cite("三（三）1.（2）", "WS-PAY-1")),
                 Layer("relief_fund", "困难群众救助补助资金", "hardship relief fund", payer="relief_fund",
                       base="burden", rate=1, cite=ctx.cite("三（二）", "WS-PAY-2"))))


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    return []
