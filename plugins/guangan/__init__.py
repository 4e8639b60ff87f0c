"""广安市 Guang'an City: region plugin for jiuzhu.

Source: 关于进一步加强和完善建档立卡贫困人口等特殊困难群众医保倾斜支付政策的通知 (广安人社发〔2017〕115号). The rule register is rules.toml; the numbers are in parameters.toml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu import Eligibility, Plan, RegionInfo, ReferralVerdict, SignaturePlan, SourceDocument, hookimpl
from jiuzhu.signature import resolve

HERE = Path(__file__).parent

INFO = RegionInfo(
    code="guangan",
    name_zh="广安市",
    name_en="Guang'an City",
    division="511600",
    parent=None,
    level="city",
    documents=(
        SourceDocument(
            number="广安人社发〔2017〕115号",
            title="关于进一步加强和完善建档立卡贫困人口等特殊困难群众医保倾斜支付政策的通知",
            issuer="广安市人力资源和社会保障局等六部门",
            issued=dt.date.fromisoformat('2017-12-29'),
            effective_from=dt.date.fromisoformat('2018-01-01'),
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
    ok = case.person.hukou.startswith("5116") and bool(groups)
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
