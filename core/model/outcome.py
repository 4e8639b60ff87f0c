"""What an evaluation decides. Every decision carries the citation it rests on."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs


@attrs.frozen
class Citation:
    """Where a decision comes from: region, document number, article and inventory rule ID."""

    region: str
    document: str
    article: str = ""
    rule: str = ""

    def __str__(self) -> str:
        return " · ".join(p for p in (self.region, self.document, self.article, self.rule) if p)


@attrs.frozen
class Reason:
    """One line of explanation, in Chinese and English, with its citation."""

    zh: str
    en: str
    cite: Citation | None = None


@attrs.frozen
class UnknownDue:
    """A due date that cannot be computed: a working-day count reaching a year no calendar knows.

    It stands where a date would, so a region's rules go on (eligibility, verdict and money are
    still returned); the outcome reports the deadline as ``unknown`` with the reason and the fix.
    """

    year: int
    reason_zh: str
    reason_en: str

    def isoformat(self) -> str:
        return "unknown"

    def __str__(self) -> str:
        return "unknown"


@attrs.frozen
class Deadline:
    """Something to file, notify or pay, by whom, to whom and by when.

    ``due`` is a date (by the day rule), a date-time (an hour deadline counted from a given time of
    day, to the minute), an :class:`UnknownDue`, or None when no limit applies.
    """

    what_zh: str
    what_en: str
    who: str = ""
    to: str = ""
    due: "dt.date | dt.datetime | UnknownDue | None" = None
    rule_zh: str = ""  # how the date was computed, e.g. 出院后15个工作日
    cite: Citation | None = None
    # a deadline to pay the person's own share (e.g. 诊疗结束后结清个人承担的费用): void when the composed
    # settlement leaves the person nothing to pay
    personal_share: bool = False

    @property
    def basis(self) -> str | None:
        """``time`` (to the minute), ``day`` (by the day rule), ``unknown``, or None (no limit)."""
        if self.due is None:
            return None
        if isinstance(self.due, UnknownDue):
            return "unknown"
        return "time" if isinstance(self.due, dt.datetime) else "day"


def due_key(due) -> tuple:
    """Sort key over dates, date-times, unknown and absent dues: dated first (a date sorts at its
    start of day), then unknown, then none."""
    if isinstance(due, dt.datetime):
        return (0, due.date(), due.timetz().replace(tzinfo=None))
    if isinstance(due, dt.date):
        return (0, due, dt.time.min)
    return (1 if isinstance(due, UnknownDue) else 2, dt.date.max, dt.time.min)


@attrs.frozen
class OutcomeWarning:
    """Something the reader must know about the outcome: a deadline that could not be computed, a
    fact the engine assumed because the case was silent, a payer's amount not counted in full.

    ``kind``: the engine's ``deadline_unknown`` / ``assumed`` / ``payer_excess``, or a region's own from
    its ``jiuzhu_warnings`` hook (``diagnosis_unlisted``, ``item_in_scope`` …); ``field``: the case field
    concerned.
    """

    kind: str
    zh: str
    en: str
    field: str = ""
    cite: Citation | None = None


@attrs.frozen
class Duty:
    """An obligation that recurs (e.g. a visit schedule): what, who, how often, and the next due date."""

    what_zh: str
    what_en: str
    who: str = ""
    period_zh: str = ""  # e.g. 每月不少于1次
    period_en: str = ""
    next_due: dt.date | None = None
    cite: Citation | None = None


@attrs.frozen
class LayerEffect:
    """What a region's verdict meant for one of its layers: paid (and how much), not paid, or
    replaced by a lower region's layer of the same id."""

    id: str
    name_zh: str
    name_en: str
    status: str  # paid / not_paid / replaced
    amount: int = 0
    by: str = ""  # for ``replaced``: the region whose layer stands instead
    given: bool = False  # the slip's figure, not computed by the region
    # for ``not_paid``: what the layer would have paid had the region's verdict been ``covered``, and by how
    # much the person's burden would then be lower (0: the verdict cannot change the result, e.g. a tilt of 0
    # below the threshold, or a residual a lower region's fund takes anyway); None when not worked out
    would_pay: int | None = None
    burden_change: int | None = None


@attrs.frozen
class RegionSection:
    """One region of the chain: its own eligibility and verdict, with reasons, and their effect on its layers."""

    code: str
    name_zh: str
    name_en: str
    eligibility: "Eligibility"
    referral: "ReferralVerdict"
    effects: tuple[LayerEffect, ...] = ()


ELIGIBILITY = {True: ("符合救助对象条件", "eligible"), False: ("不符合救助对象条件", "not eligible")}


@attrs.frozen
class Eligibility:
    eligible: bool
    groups: tuple[str, ...] = ()  # the categories this region recognises for the person
    reasons: tuple[Reason, ...] = ()


VERDICTS = {
    "covered": ("按规定救助", "covered"),
    "pay_first_claim": ("个人先行垫付，事后申请报销", "patient pays first, then claims"),
    "reduced": ("降低比例救助", "covered at a reduced rate"),
    "not_covered": ("不纳入救助范围", "not covered"),
    "case_by_case": ("一事一议，由主管部门研究决定", "decided case by case by the bureau"),
    "not_applicable": ("政策未生效或不适用", "policy not in force or not applicable"),
}


@attrs.frozen
class ReferralVerdict:
    kind: str  # a key of VERDICTS
    reasons: tuple[Reason, ...] = ()
    deadlines: tuple[Deadline, ...] = ()

    @property
    def covered(self) -> bool:
        return self.kind in ("covered", "pay_first_claim", "reduced")


SIGNER_RANKS = {
    1: ("本人", "the person"),
    2: ("法定监护人或法定义务人", "legal guardian or person with a legal duty"),
    3: ("委托代理人", "entrusted agent"),
    4: ("供养机构负责人或村（居）委会", "head of the institution or village committee"),
}


@attrs.frozen
class PassedOver:
    rank: int
    who: str
    why_zh: str
    why_en: str


@attrs.frozen
class SignaturePlan:
    """Who signs for treatment, and why higher ranks were passed over."""

    signer_role: str  # a key of jiuzhu.model.ROLES
    signer_name: str = ""
    rank: int | None = None
    decision: str = "routine"  # routine / major / emergency
    passed_over: tuple[PassedOver, ...] = ()
    approvals: tuple[str, ...] = ()  # other roles that must sign or seal (e.g. business_leader)
    reasons: tuple[Reason, ...] = ()
    deadlines: tuple[Deadline, ...] = ()


@attrs.frozen
class LayerResult:
    """One payer layer of the settlement, with how its amount was computed."""

    id: str
    name_zh: str
    name_en: str
    payer: str
    amount: int
    base: int = 0
    base_terms: tuple[tuple[str, str, int], ...] = ()  # (column, coefficient, value)
    deductible: int = 0
    rate: Fraction | None = None
    segments: tuple[tuple[int, int | None, Fraction], ...] = ()
    computed: int = 0  # base × rate, less ``less_amount``, before limits
    claim_cap: int | None = None
    annual_cap: int | None = None
    program: str = ""
    used_before: int = 0
    # what this same settlement's earlier layers of the programme paid, counted under the annual cap on top of
    # used_before (jiuzhu.rules.settle.Layer.shares_cap_with)
    shared_before: int = 0
    # what was already paid of this layer elsewhere and taken off base × rate (jiuzhu.rules.settle.Layer.less,
    # e.g. a tilt the slip already shows): the column, what it paid (all of it, even beyond base × rate) and
    # base × rate before it was taken off; ``computed`` is what is left, never below 0
    less: str = ""
    less_amount: int = 0
    before_less: int = 0
    burden_before: int = 0
    binding: str = ""  # rate / claim_cap / annual_cap / burden / given
    given: bool = False  # taken from the settlement slip, not computed
    cite: Citation | None = None
    note_zh: str = ""
    assistance: bool = True  # counted in the assistance total (False: cost shifted to a party, not a fund)


@attrs.frozen
class Settlement:
    total: int
    layers: tuple[LayerResult, ...] = ()
    notes: tuple[Reason, ...] = ()

    @property
    def paid(self) -> int:
        return sum(l.amount for l in self.layers)

    @property
    def burden(self) -> int:
        return self.total - self.paid

    @property
    def assistance(self) -> int:
        """What the layers computed by the region (not the insurance slip) pay as assistance; a layer that
        shifts cost to another party (``assistance = False``) lowers the burden but is not assistance."""
        return sum(l.amount for l in self.layers if not l.given and l.assistance)


@attrs.frozen
class DocumentNeed:
    """A form the case needs, with the data that fills it."""

    form_id: str
    title_zh: str
    title_en: str = ""
    who: str = ""  # who fills or files it
    due: dt.date | None = None
    data: dict = attrs.field(factory=dict, hash=False)
    cite: Citation | None = None


@attrs.frozen
class Outcome:
    """``eligibility`` and ``referral`` are those of the lowest region of the chain that takes the person
    (eligible, in force) — the region whose signature plan is used — else the leaf's; ``referral.deadlines``
    holds every region's. Each region's own verdict is in ``regions``."""

    region: str
    chain: tuple[str, ...]
    as_of: dt.date
    eligibility: Eligibility
    referral: ReferralVerdict
    signature: SignaturePlan | None
    settlement: Settlement
    documents: tuple[DocumentNeed, ...] = ()
    case_id: str = ""
    notes: tuple[Reason, ...] = ()
    regions: tuple[RegionSection, ...] = ()  # every region of the chain, root first
    warnings: tuple[OutcomeWarning, ...] = ()
    duties: tuple[Duty, ...] = ()

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        ds = list(self.referral.deadlines)
        if self.signature:
            ds += self.signature.deadlines
        return tuple(sorted(ds, key=lambda d: due_key(d.due)))

    @property
    def headline(self) -> tuple[str, str]:
        """One sentence (zh, en) that agrees with the layers: who pays, and what the regions decided."""
        from jiuzhu.model.money import yuan
        paying = [r for r in self.regions if any(e.status == "paid" and e.amount and not e.given for e in r.effects)]
        if paying:
            who = "、".join(r.name_zh for r in paying)
            who_en = ", ".join(r.name_en for r in paying)
            return (f"{who}救助支付合计{yuan(self.settlement.assistance)}元，个人负担{yuan(self.settlement.burden)}元",
                    f"assistance paid by {who_en}: {yuan(self.settlement.assistance)} yuan; "
                    f"personal burden {yuan(self.settlement.burden)} yuan")
        # what the slip already paid for the regions (one-stop medical assistance, a tilt the window paid) stays
        # paid whatever the regions decide: say so beside "none"
        given = {l.id: l for l in self.settlement.layers if l.given and l.amount}
        slips = [given[e.id] for r in self.regions for e in r.effects if e.given and e.status == "paid" and e.id in given]
        slips = list({l.id: l for l in slips}.values()) or [
            l for l in given.values() if l.id == "medical_assistance_slip"]
        slip = sum(l.amount for l in slips)
        slip_zh = f"（结算单所列{'、'.join(l.name_zh.split('（')[0] for l in slips)}{yuan(slip)}元照列）" if slip else ""
        slip_en = f" (the slip's {', '.join(l.name_en for l in slips)} of {yuan(slip)} yuan stands)" if slip else ""
        if not any(r.eligibility.eligible for r in self.regions) and self.regions:
            return (f"各地区均不符合救助对象条件，无救助支付{slip_zh}；个人负担{yuan(self.settlement.burden)}元",
                    f"not eligible in any region of the chain; no assistance{slip_en}; personal burden "
                    f"{yuan(self.settlement.burden)} yuan")
        # the verdict of the lowest region that takes the person (as the signature plan), not a region that does not
        takes = [r for r in self.regions if r.eligibility.eligible and r.referral.kind != "not_applicable"]
        kind = takes[-1].referral.kind if takes else self.referral.kind
        who_zh = f"{takes[-1].name_zh}：" if takes and len(self.regions) > 1 else ""
        who_en = f"{takes[-1].name_en}: " if takes and len(self.regions) > 1 else ""
        return (f"无救助支付（{who_zh}{VERDICTS[kind][0]}）{slip_zh}；个人负担{yuan(self.settlement.burden)}元",
                f"no assistance paid ({who_en}{VERDICTS[kind][1]}){slip_en}; personal burden "
                f"{yuan(self.settlement.burden)} yuan")

    @property
    def citations(self) -> tuple[Citation, ...]:
        seen: dict[Citation, None] = {}
        reasons = [*self.eligibility.reasons, *self.referral.reasons, *self.settlement.notes, *self.notes]
        if self.signature:
            reasons += self.signature.reasons
        for r in reasons:
            if r.cite:
                seen.setdefault(r.cite)
        for l in self.settlement.layers:
            if l.cite:
                seen.setdefault(l.cite)
        for d in [*self.deadlines, *self.documents, *self.duties, *self.warnings]:
            if d.cite:
                seen.setdefault(d.cite)
        return tuple(seen)
