"""Evaluation: walk the region chain, ask each region's hooks, settle the composed plan."""

from __future__ import annotations

import datetime as dt

import attrs

from jiuzhu.model import idcard
from jiuzhu.model.conditions import condition_tags
from jiuzhu.rules.deployment import Deployment
from jiuzhu.model.errors import InputError, JiuzhuError
from jiuzhu.model.case import Case
from jiuzhu.model.outcome import (Eligibility, LayerEffect, Outcome, OutcomeWarning, Reason, ReferralVerdict,
                                  RegionSection, UnknownDue)
from jiuzhu.rules.params import ParameterSet, Params
from jiuzhu.plugins import Host, Region, RegionFault, default_host
from jiuzhu.model.region import Program, RegionInfo
from jiuzhu.rules.boundary import ask
from jiuzhu.rules.settle import Layer, Plan, settle
from jiuzhu.rules.workdays import WorkCalendar

SCOPE_ORDER = ("in_county", "out_county", "out_city", "out_province")


@attrs.define
class Context:
    """What a hook needs besides the case: region, day, parameters in force, calendar."""

    info: RegionInfo
    day: dt.date
    params: Params
    calendar: WorkCalendar
    deployment: Deployment

    def cite(self, article: str = "", rule: str = "", document: str | None = None):
        return self.info.cite(article, rule, document)

    def reason(self, zh: str, en: str, article: str = "", rule: str = "") -> Reason:
        return Reason(zh, en, self.cite(article, rule))

    # derived facts ------------------------------------------------------------------------
    def age(self, case: Case) -> int:
        return idcard.age_on(case.person.id_number, case.episode.admitted)

    def sex(self, case: Case) -> str:
        return idcard.sex(case.person.id_number)

    def conditions(self, case: Case) -> frozenset[str]:
        return condition_tags(case.episode.diagnoses, self.deployment.conditions)

    @staticmethod
    def scope(case: Case) -> str:
        """Where the facility is, seen from the person's hukou county."""
        loc, home = case.facility.location, case.person.hukou
        if loc[:6] == home[:6]:
            return "in_county"
        if loc[:4] == home[:4]:
            return "out_county"
        if loc[:2] == home[:2]:
            return "out_city"
        return "out_province"


@attrs.frozen
class RegionResult:
    code: str
    eligibility: Eligibility
    referral: ReferralVerdict
    plan: Plan


# A region's parameters that add rest days to the working-day calendar (e.g. Liujiang's 壮族三月三,
# LJ-AMB-13 A): the calendar's data, like the national holidays, read only to count working days
# between dated events, not dates a claim is judged against (see jiuzhu.analysis.claims._date_facts).
CALENDAR_PARAMETERS = ("extra_holidays",)


class Engine:
    """Evaluates cases for a deployment. Cheap to call repeatedly: parameters are loaded once."""

    def __init__(self, host: Host | None = None, deployment: Deployment | None = None, strict: bool = False):
        """``strict``: a working-day deadline in a year no calendar knows is an error (CalendarError)
        instead of an ``unknown`` deadline with a warning."""
        self.host = host or default_host()
        self.deployment = deployment or Deployment()
        self.strict = strict
        self._psets: dict[str, ParameterSet] = {}

    # parameters -----------------------------------------------------------------------------
    def parameter_set(self, code: str) -> ParameterSet:
        if code not in self._psets:
            region = self.host.region(code)
            info = region.info
            src = region.call("jiuzhu_parameters")
            try:
                pset = ParameterSet.load(src, code, info.name_zh, info.document.number) if src is not None \
                    else ParameterSet(code, {})
            except JiuzhuError as exc:  # the region's own parameters.toml: this region's fault, not the case's
                exc.raised_by_region = code
                raise
            overrides = self.deployment.parameters.get(code, {})
            if overrides:
                pset = pset.override(overrides, info.name_zh)
            self._psets[code] = pset
        return self._psets[code]

    def calendar(self, code: str, day: dt.date) -> WorkCalendar:
        cal = WorkCalendar(self.deployment.holidays, self.deployment.workdays, self.deployment.calendar_years,
                           strict=self.strict)
        params = self.parameter_set(code).at(day)
        for name in CALENDAR_PARAMETERS:
            if params.has(name):
                cal = cal.with_holidays(params[name])
        return cal

    def context(self, code: str, day: dt.date) -> Context:
        # one per region, day and strictness: a batch asks for the same few hundred days thousands of times,
        # and a context is frozen (its parameters in force and calendar are the day's)
        cache = self.__dict__.setdefault("_contexts", {})
        key = (code, day, self.strict)
        ctx = cache.get(key)
        if ctx is None:
            if len(cache) >= 4096:
                cache.clear()
            region = self.host.region(code)
            ctx = cache[key] = Context(region.info, day, self.parameter_set(code).at(day), self.calendar(code, day),
                                       self.deployment)
        return ctx

    def chain(self, code: str) -> list[Region]:
        return self.host.chain(code) if self.deployment.compose_parents else [self.host.region(code)]

    def resolve_region(self, case: Case, region: str | None) -> str:
        code = region or case.region or self.deployment.region
        if not code:
            raise JiuzhuError("region: no region given; use --region, set region in the case, or in jiuzhu.toml "
                              f"(installed: {', '.join(sorted(self.host.regions))})")
        self.host.region(code)
        return code

    def date_basis(self, code: str) -> str:
        """Which episode date selects the rules in force: the deployment's choice, else the region's."""
        return self.deployment.date_basis.get(code, self.host.region(code).info.date_basis)

    def day_for(self, case: Case, code: str, as_of: dt.date | None) -> dt.date:
        if as_of:
            return as_of
        if self.date_basis(code) == "discharge":
            return case.episode.day
        return case.episode.admitted

    # programmes (annual-cap pools) --------------------------------------------------------------
    def programs(self, code: str) -> list[tuple[str, Program]]:
        """(declaring region, programme) for each region of the chain, root first."""
        return [(r.code, p) for r in self.chain(code) for p in r.programs]

    def check_history(self, case: Case, code: str) -> None:
        """A non-zero ``history.ytd`` amount of a programme no region of the chain declares is an
        error: a misspelt key would otherwise silently skip its cap. A zero says nothing was paid, so
        it is accepted whatever its key, as the batch reads a zero column as an absent one."""
        if not case.history.ytd:
            return
        if not all(r.declares_programs for r in self.chain(code)):
            return  # a region older than jiuzhu_programs: its layers name their pools, as before
        valid = {p.id for _, p in self.programs(code)}
        for key in sorted(case.history.ytd):
            if key not in valid and case.history.ytd[key]:
                raise InputError(f"history.ytd.{key}", None,
                                 f"unknown programme for {code}; valid: {', '.join(sorted(valid)) or 'none (no annual caps)'}"
                                 f" (see `jiuzhu programs {code}`)")

    def _check_programs(self, code: str, plan: Plan) -> None:
        if not self.host.region(code).declares_programs:
            return  # a region older than jiuzhu_programs: the programme is what its capped layer names
        declared = {p.id: p for _, p in self.programs(code)}
        for l in plan.layers:
            if l.annual_cap is not None and l.cap_program not in declared:
                raise JiuzhuError(f"region {code}: layer {l.id} counts its annual cap in programme {l.cap_program!r}, "
                                  f"which no region of the chain declares (jiuzhu_programs)")
            if l.annual_cap is not None and l.shares_cap_with:
                # a layer the cap is shared with in this settlement but not counted by the programme would use up
                # the cap on this stay only, never on the next (the ledger's year-to-date): the region's fault, for
                # one case, the ledger and the batch alike (the batch's settle_columns checks the same)
                prog = declared[l.cap_program]
                counted = prog.layers if prog.measure == "amount" else ()
                missing = [s for s in l.shares_cap_with if s != l.id and s not in counted]
                if missing:
                    raise RegionFault(f"region {code}: layer {l.id} shares its annual cap with {', '.join(missing)}, "
                                      f"which programme {l.cap_program} does not count (Program.layers)")

    # evaluation -----------------------------------------------------------------------------
    def in_force(self, ctx: Context) -> Reason | None:
        """None when the region's policy is in force on ctx.day, else the cited reason it is not."""
        doc = ctx.info.document
        start = doc.effective_from
        cite = ctx.cite(*doc.effective_cite)
        if start is None:
            start = ctx.params["effective_date"]
            cite = ctx.params.cite("effective_date")
        if ctx.day < start:
            return Reason(f"{ctx.info.name_zh}政策自{start.isoformat()}起施行，{ctx.day.isoformat()}尚未生效",
                          f"{ctx.info.name_en} policy is in force from {start.isoformat()}; not yet on {ctx.day.isoformat()}",
                          cite)
        if doc.effective_to and ctx.day > doc.effective_to:
            return Reason(f"{ctx.info.name_zh}政策已于{doc.effective_to.isoformat()}失效",
                          f"policy expired on {doc.effective_to.isoformat()}", cite)
        return None

    def decide(self, case: Case, code: str, as_of: dt.date | None = None) -> list[RegionResult]:
        """Eligibility, referral verdict and plan for each region of the chain, root first."""
        self.check_history(case, code)
        results = []
        for region in self.chain(code):
            ctx = self.context(region.code, self.day_for(case, region.code, as_of))
            not_yet = self.in_force(ctx)
            if not_yet:
                el = Eligibility(False, (), (not_yet,))
                results.append(RegionResult(region.code, el, ReferralVerdict("not_applicable", (not_yet,)), Plan()))
                continue
            el = ask(region, "jiuzhu_eligibility", case=case, ctx=ctx)
            ref = ask(region, "jiuzhu_referral", case=case, ctx=ctx, eligibility=el)
            # What the medical-assistance fund already paid on the slip stays paid, whoever the region covers.
            # (always the layer, never a choice on the amount: plans depend on facts only)
            plan = Plan((Layer.from_slip("assistance_paid"),))
            if el.eligible:
                plan = ask(region, "jiuzhu_reimbursement", case=case, ctx=ctx, eligibility=el, referral=ref) or Plan()
            self._check_programs(code, plan)
            order = ask(region, "jiuzhu_payer_order", ctx=ctx)
            if order and not plan.payers:
                plan = attrs.evolve(plan, payers=tuple(order))
            results.append(RegionResult(region.code, el, ref, plan))
        return results

    def evaluate(self, case: Case, region: str | None = None, as_of: dt.date | None = None,
                 documents: bool = True) -> Outcome:
        code = self.resolve_region(case, region)
        results = self.decide(case, code, as_of)
        leaf = results[-1]
        plan = Plan()
        for r in results:
            plan = plan + r.plan
        settlement = settle(bill_columns(case), plan, case.history.ytd)
        day = self.day_for(case, code, as_of)
        signature = None
        # the signature plan of the lowest region whose rules apply to the person (eligible, in force): a
        # parent's plan when the leaf's policy does not take the person (e.g. a dibao resident under Wusheng,
        # whose 特困 approvals are not theirs); the leaf's when no region takes them
        applies = {r.code for r in results if r.eligibility.eligible and r.referral.kind != "not_applicable"}
        chain = [r for r in reversed(self.chain(code)) if r.code in applies] or list(reversed(self.chain(code)))
        for region in chain:
            signature = ask(region, "jiuzhu_signature", case=case, ctx=self.context(region.code, day))
            if signature is not None:
                break
        notes = []  # a parent's own verdict and reasons are in its region section (Outcome.regions)
        if case.bill.assistance_paid and not any(l.given == "assistance_paid" for l in plan.layers):
            notes.append(Reason("结算单所列医疗救助金额未计入：本地区自行计算医疗救助",
                                "the slip's medical assistance amount is not counted: this region computes assistance itself"))
        referral = leaf.referral
        if len(results) > 1:
            referral = attrs.evolve(referral, deadlines=tuple(d for r in results for d in r.referral.deadlines))
        if settlement.burden == 0 and any(d.personal_share for d in referral.deadlines):  # nothing left to pay
            referral = attrs.evolve(referral, deadlines=tuple(d for d in referral.deadlines if not d.personal_share))
        sections = tuple(self._section(case, results, i, plan, settlement, as_of) for i in range(len(results)))
        outcome = Outcome(code, tuple(r.code for r in results), day, leaf.eligibility, referral, signature,
                          settlement, (), case.id, tuple(notes), sections)
        duties = []
        for region, r in zip(self.chain(code), results):
            if r.referral.kind != "not_applicable":
                duties += ask(region, "jiuzhu_duties", case=case, ctx=self.context(region.code, day),
                              outcome=outcome) or []
        outcome = attrs.evolve(outcome, duties=tuple(duties))
        if documents:
            docs = []
            for region, r in zip(self.chain(code), results):
                if r.referral.kind == "not_applicable":  # a region whose policy is not in force asks for no forms
                    continue
                docs += ask(region, "jiuzhu_documents", case=case, ctx=self.context(region.code, day),
                                    outcome=outcome) or []
            outcome = attrs.evolve(outcome, documents=tuple(docs))
        said = warnings_for(case, outcome)
        for region, r in zip(self.chain(code), results):
            if r.referral.kind != "not_applicable":  # a region's own warnings (jiuzhu_warnings), after the engine's
                said += ask(region, "jiuzhu_warnings", case=case, ctx=self.context(region.code, day),
                            outcome=outcome) or []
        # the outcome's own eligibility and verdict are those of the same region as the signature plan (the
        # lowest that takes the person, else the leaf): a dibao resident under Wusheng reads Guang'an's 是 /
        # 按规定救助 next to Guang'an's tilt, not Wusheng's 否 (which stays in Wusheng's region section). Set
        # last: the regions' documents, duties and warnings hooks above read the leaf's verdict as before.
        decisive = deciding_result(results)
        if decisive is not leaf:
            outcome = attrs.evolve(outcome, eligibility=decisive.eligibility,
                                   referral=attrs.evolve(decisive.referral, deadlines=referral.deadlines))
        return attrs.evolve(outcome, warnings=tuple(said))

    def _section(self, case: Case, results: list[RegionResult], i: int, plan: Plan, settlement,
                 as_of) -> RegionSection:
        """A region's own verdict and what it meant for each of its layers in the composed settlement."""
        r = results[i]
        info = self.host.region(r.code).info
        amounts = {l.id: l.amount for l in settlement.layers}
        final = {l.id: l for l in plan.layers}
        effects = []
        for l in r.plan.layers:
            if final.get(l.id) == l:
                effects.append(LayerEffect(l.id, l.name_zh, l.name_en, "paid" if amounts.get(l.id) else "nil",
                                           amounts.get(l.id, 0), given=bool(l.given)))
            else:  # a lower region's layer of the same id stands instead
                by = next((x.code for x in reversed(results[i + 1:]) if any(m.id == l.id for m in x.plan.layers)), "")
                effects.append(LayerEffect(l.id, l.name_zh, l.name_en, "replaced", amounts.get(l.id, 0), by,
                                           given=bool(l.given)))
        if r.eligibility.eligible and not r.referral.covered and r.referral.kind != "not_applicable":
            # the layers the region would pay on a compliant path: say that they are not paid, and why
            region = self.host.region(r.code)
            try:
                ctx = self.context(r.code, self.day_for(case, r.code, as_of))
                would = region.call("jiuzhu_reimbursement", case=case, ctx=ctx, eligibility=r.eligibility,
                                    referral=ReferralVerdict("covered")) or Plan()
            except JiuzhuError:
                would = Plan()
            have = {l.id for l in r.plan.layers}
            missing = [l for l in would.layers if l.id not in have and not l.given]
            if missing:
                # settle the chain as if this region had covered the case: what each layer would pay, and
                # whether the person's burden would change at all (a note that cannot change it says so)
                if not would.payers:  # the region's own placement of the slip's other payers, as in decide()
                    would = attrs.evolve(would, payers=r.plan.payers)
                alt = Plan()
                for j, x in enumerate(results):
                    alt = alt + (would if j == i else x.plan)
                alt_st = settle(bill_columns(case), alt, case.history.ytd)
                alt_amounts = {l.id: l.amount for l in alt_st.layers}
                change = settlement.burden - alt_st.burden
                effects += [LayerEffect(l.id, l.name_zh, l.name_en, "not_paid", would_pay=alt_amounts.get(l.id, 0),
                                        burden_change=change) for l in missing]
        return RegionSection(r.code, info.name_zh, info.name_en, r.eligibility, r.referral, tuple(effects))



def deciding_result(results: list[RegionResult]) -> RegionResult:
    """The region result whose eligibility and verdict are the outcome's own: the lowest region of the chain
    that takes the person (eligible, in force) — the one whose signature plan is used — else the leaf's."""
    return next((r for r in reversed(results) if r.eligibility.eligible and r.referral.kind != "not_applicable"),
                results[-1])


def warnings_for(case: Case, outcome: Outcome) -> list[OutcomeWarning]:
    """What the reader must know: unknown deadlines, facts assumed because the case was silent, slip
    payers not counted in full."""
    from jiuzhu.model.vocab import ASSUMABLE
    from jiuzhu.model.money import yuan
    out = []
    unknown: dict[int, list] = {}
    for d in outcome.deadlines:
        if isinstance(d.due, UnknownDue):
            unknown.setdefault(d.due.year, []).append(d)
    for year, ds in sorted(unknown.items()):
        u = ds[0].due
        what = "、".join(d.what_zh for d in ds)
        out.append(OutcomeWarning("deadline_unknown", f"办理时限未知（{what}）：{u.reason_zh}",
                                  f"deadline unknown ({'; '.join(d.what_en for d in ds)}): {u.reason_en}",
                                  "", ds[0].cite))
    for path in case.defaulted:
        if path in ASSUMABLE:
            zh, en = ASSUMABLE[path]
            out.append(OutcomeWarning("assumed", zh, en, path))
    for l in outcome.settlement.layers:
        if l.given and l.computed > l.amount:
            out.append(OutcomeWarning(
                "payer_excess",
                f"{l.name_zh}：结算单列支{yuan(l.computed)}元，按支付顺序仅剩个人负担{yuan(l.amount)}元可计入；"
                f"超出的{yuan(l.computed - l.amount)}元不计入（各项支付合计不超过医疗费总额），由该支付方核退",
                f"{l.name_en}: the slip shows {yuan(l.computed)} yuan but only {yuan(l.amount)} yuan of burden is left "
                f"at its place in the payer order; the excess {yuan(l.computed - l.amount)} yuan is not counted "
                f"(payers never exceed the bill) and is for that payer to recover", "bill", l.cite))
    return out


def bill_columns(case: Case) -> dict[str, int]:
    """The bill as the named columns settlement bases may use (see jiuzhu.rules.settle)."""
    b = case.bill
    cols = {k: getattr(b, k) for k in ("total", "in_scope", "first_self_paid", "over_limit", "fully_self_paid",
                                        "deductible", "basic_paid", "critical_paid", "assistance_paid", "other_paid")}
    cols["out_of_scope"] = b.out_of_scope
    for kind, amount in b.other_by_kind().items():
        if kind == "other":
            cols["other_paid"] = amount  # an other payer of kind ``other`` is other_paid, as on the slip
        else:
            cols[f"other.{kind}"] = amount
    for i, it in enumerate(b.items):
        cols[f"items.line.{i}"] = it.amount  # one item, for rules that decide item by item (e.g. a review status)
        key = f"items.approval.{it.approval}"
        cols[key] = cols.get(key, 0) + it.amount
        for t in it.tags:
            cols[f"items.tag.{t}"] = cols.get(f"items.tag.{t}", 0) + it.amount
        cols["items.all"] = cols.get("items.all", 0) + it.amount
    return cols
