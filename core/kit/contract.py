"""The region contract: conformance tests every region must pass, opted into with one class.

In a region package's ``tests/test_contract.py``::

    from jiuzhu.kit.contract import RegionContract

    class TestContract(RegionContract):
        region_code = "moumou"
        # deployment parameters the region needs to be evaluated, as in jiuzhu.toml:
        deployment = {"parameters": {"moumou": {"effective_date": "2025-10-01"}}}

The kit checks that every hook is implemented and answers with the right type; that every
parameter value has a citation (an article or rule ID) and an effective date; that every
outcome carries citations; and, on random valid cases (hypothesis, :mod:`jiuzhu.kit.strategies`),
the money invariants: no layer negative or above its base, the payers together never above the
bill, personal burden = total − payers and never negative, annual caps never exceeded across a
year of admissions; the same case always gives the same outcome; evaluation never raises.

Each check is also a plain function returning a list of problems (empty when the region
conforms), each saying what to fix, so tools other than pytest can run them.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import attrs

from jiuzhu.io.config import parse_config
from jiuzhu.rules.engine import Engine, bill_columns
from jiuzhu.model.errors import JiuzhuError
from jiuzhu.io.loader import load_case, structure_case
from jiuzhu.model.case import ROLES, Case, History
from jiuzhu.model.money import yuan
from jiuzhu.model.outcome import VERDICTS, DocumentNeed, Eligibility, Outcome, ReferralVerdict, SignaturePlan
from jiuzhu.rules.params import ParameterSet
from jiuzhu.plugins import Host, default_host
from jiuzhu.model.region import RegionInfo
from jiuzhu.rules.settle import BILL_COLUMNS, Plan
from jiuzhu.kit.strategies import FIRST_DAY, LAST_DAY

#: Hooks every region implements (identity, data and the five policy areas).
REGION_HOOKS = ("jiuzhu_region", "jiuzhu_parameters", "jiuzhu_rules", "jiuzhu_eligibility", "jiuzhu_referral",
                "jiuzhu_signature", "jiuzhu_reimbursement", "jiuzhu_documents", "jiuzhu_templates", "jiuzhu_examples",
                "jiuzhu_programs")
HOOK_SIGNATURES = {
    "jiuzhu_region": "jiuzhu_region() -> RegionInfo",
    "jiuzhu_parameters": "jiuzhu_parameters() -> path to parameters.toml",
    "jiuzhu_rules": "jiuzhu_rules() -> path to rules.toml or None",
    "jiuzhu_eligibility": "jiuzhu_eligibility(case, ctx) -> Eligibility",
    "jiuzhu_referral": "jiuzhu_referral(case, ctx, eligibility) -> ReferralVerdict",
    "jiuzhu_signature": "jiuzhu_signature(case, ctx) -> SignaturePlan or None",
    "jiuzhu_reimbursement": "jiuzhu_reimbursement(case, ctx, eligibility, referral) -> Plan",
    "jiuzhu_documents": "jiuzhu_documents(case, ctx, outcome) -> list of DocumentNeed (may be empty)",
    "jiuzhu_templates": "jiuzhu_templates() -> path to a templates folder or None",
    "jiuzhu_examples": "jiuzhu_examples() -> path to an examples folder or None",
    "jiuzhu_programs": "jiuzhu_programs() -> list of Program (empty if no annual cap)",
}


@attrs.define
class Kit:
    """A region under test: its host, an engine with the kit's deployment, and the dates it is in force."""

    host: Host
    code: str
    deployment: dict = attrs.field(factory=dict)
    engine: Engine = attrs.field(init=False)

    def __attrs_post_init__(self):
        self.engine = Engine(self.host, parse_config(self.deployment))

    @property
    def region(self):
        return self.host.region(self.code)

    @property
    def info(self) -> RegionInfo:
        return self.region.info

    def fresh_engine(self) -> Engine:
        return Engine(self.host, parse_config(self.deployment))

    def in_force(self) -> tuple[dt.date, dt.date]:
        """The span of days every region of the chain is in force (clipped to what the calendar knows)."""
        start, end = FIRST_DAY, LAST_DAY
        for r in self.engine.chain(self.code):
            doc = r.info.document
            begin = doc.effective_from
            if begin is None:
                try:
                    begin = self.engine.parameter_set(r.code).at(LAST_DAY)["effective_date"]
                except JiuzhuError:
                    begin = None
            if begin:
                start = max(start, begin)
            if doc.effective_to:
                end = min(end, doc.effective_to)
        return start, max(start, end)

    def target_groups(self) -> tuple[str, ...]:
        """The categories the region assists, if it declares a ``target_groups`` list parameter."""
        from jiuzhu.model.vocab import CATEGORIES
        try:
            groups = self.engine.parameter_set(self.code).at(self.in_force()[1]).get("target_groups") or ()
        except JiuzhuError:
            groups = ()
        return tuple(g for g in groups if isinstance(g, str) and g in CATEGORIES)

    def cases(self, outsiders: bool = True):
        from jiuzhu.kit.strategies import cases
        start, end = self.in_force()
        return cases(self.info.division, start, end, self.code, outsiders, self.target_groups())

    def admission_series(self):
        from jiuzhu.kit.strategies import admission_series
        start, end = self.in_force()
        return admission_series(self.info.division, start, end, self.code, prefer=self.target_groups())


# -- checks ------------------------------------------------------------------------------------


def check_hooks(kit: Kit) -> list[str]:
    """Every region hook is implemented by the region's own plugin."""
    from jiuzhu.plugins import CONVENTIONAL
    pm, plugin = kit.host.pm, kit.region.plugin
    have = {hc.name for hc in (pm.get_hookcallers(plugin) or [])}
    # the file-location hooks may be left to convention: the file of that name beside the module
    have |= {h for h in CONVENTIONAL if h not in have and kit.region.call(h) is not None}
    return [f"region {kit.code}: hook {h} is not implemented; add `@hookimpl def {HOOK_SIGNATURES[h]}` "
            f"(see jiuzhu.hookspecs)" + (f", or keep a {CONVENTIONAL[h]} beside the plugin module" if h in CONVENTIONAL else "")
            for h in REGION_HOOKS if h not in have]


def check_info(kit: Kit) -> list[str]:
    """The region describes itself: names, a 6-digit division code, a source document, a known parent."""
    info, out = kit.info, []
    where = f"region {info.code}: jiuzhu_region()"
    if not (info.name_zh and info.name_en):
        out.append(f"{where}: give both name_zh and name_en")
    if not (info.division.isdigit() and len(info.division) == 6):
        out.append(f"{where}: division must be a 6-digit GB/T 2260 code (got {info.division!r})")
    if not info.documents:
        out.append(f"{where}: list the source document(s) the rules come from (documents=(SourceDocument(...),))")
    elif info.document.effective_from is None:
        p = kit.engine.parameter_set(info.code).params.get("effective_date")
        if p is None:
            out.append(f"{where}: the document has no effective_from; set it, or declare a required "
                       f"effective_date parameter the deployment sets")
    if info.parent and info.parent not in kit.host.regions:
        out.append(f"{where}: parent region {info.parent!r} is not installed "
                   f"(installed: {', '.join(sorted(kit.host.regions))})")
    if info.date_basis not in ("admission", "discharge"):
        out.append(f"{where}: date_basis must be 'admission' or 'discharge' (got {info.date_basis!r})")
    return out


def check_parameters(kit: Kit, uncited: dict[str, str] | None = None) -> list[str]:
    """Every parameter value has an effective date and a citation (an article or a rule ID);
    every required deployment parameter says what to set and is set by the kit's deployment."""
    region = kit.region
    info = region.info
    src = region.call("jiuzhu_parameters")
    if src is None:
        return [f"region {info.code}: jiuzhu_parameters() returned None; return the path of parameters.toml"]
    if not isinstance(src, dict) and not Path(src).exists():
        return [f"region {info.code}: parameters file {src} does not exist"]
    try:
        raw = ParameterSet.load(src, info.code, info.name_zh, info.document.number if info.documents else "")
    except JiuzhuError as exc:
        return [f"region {info.code}: parameters do not load: {exc}"]
    given = kit.deployment.get("parameters", {}).get(info.code, {})
    out = []
    for name, p in sorted(raw.params.items()):
        where = f"parameters.{info.code}.{name}"
        if p.required and not p.values:
            if not p.hint:
                out.append(f"{where}: a required deployment parameter needs a hint saying what to set")
            if name not in given:
                out.append(f"{where}: required deployment parameter not given to the kit; set "
                           f"deployment = {{'parameters': {{'{info.code}': {{'{name}': ...}}}}}} on the contract class")
            continue
        if not p.values:
            if not p.hint:  # an optional deployment setting must say what it is for
                out.append(f"{where}: no values; give at least one [[{name}.values]] with from = DATE and value, "
                           f"or a hint if it is an optional deployment setting")
        for d in p.values:
            c = d.cite
            if not c.document:
                out.append(f"{where} (from {d.start}): no source document; set document = \"…\" or the region's document")
            if not (c.article or c.rule) and name not in (uncited or {}):
                out.append(f"{where} (from {d.start}): value {d.raw!r} has no citation; add article = \"…\" "
                           f"(the article of {c.document} it comes from) or rule = \"RULE-ID\" in parameters.toml")
    return out


def _cited(x) -> bool:
    return x.cite is not None and bool(x.cite.document)


def check_outcome(outcome: Outcome) -> list[str]:
    """Every decision in the outcome names the rule it rests on."""
    out = []
    if not outcome.citations:
        out.append("the outcome carries no citation at all; give reasons with ctx.reason(...) or ctx.cite(...)")
    if not outcome.eligibility.reasons:
        out.append("eligibility has no reason; return Eligibility(ok, groups, (ctx.reason(zh, en, article, rule),))")
    for what, reasons in (("eligibility", outcome.eligibility.reasons), ("referral", outcome.referral.reasons),
                          ("signature", outcome.signature.reasons if outcome.signature else ())):
        for r in reasons:
            if not _cited(r):
                out.append(f"{what} reason {r.en!r} has no citation; build it with ctx.reason(zh, en, article, rule)")
    for l in outcome.settlement.layers:
        if not l.given and not _cited(l):
            out.append(f"layer {l.id} has no citation; pass cite=ctx.cite(article, rule) to Layer(...)")
    for d in outcome.deadlines:
        if not _cited(d):
            out.append(f"deadline {d.what_en!r} has no citation; pass cite=ctx.cite(article, rule)")
    for d in outcome.documents:
        if not _cited(d):
            out.append(f"form {d.form_id} has no citation; pass cite=ctx.cite(article, rule) to DocumentNeed")
    return out


def check_money(case: Case, outcome: Outcome) -> list[str]:
    """Money invariants of one settlement (all integer fen)."""
    s, out = outcome.settlement, []
    cols = bill_columns(case)
    if s.total != case.bill.total:
        out.append(f"settlement total {yuan(s.total)} differs from the bill's {yuan(case.bill.total)}")
    for l in s.layers:
        where = f"layer {l.id}" + (f" ({l.cite})" if l.cite else "")
        if not isinstance(l.amount, int):
            out.append(f"{where}: amount {l.amount!r} is not integer fen")
            continue
        if l.amount < 0:
            out.append(f"{where}: pays {yuan(l.amount)}, a negative amount")
        if l.given:
            column = {v[0]: k for k, v in _slip().items()}.get(l.id, "")
            if l.id.startswith("other_payers."):  # other payers by kind (bill.other_payers)
                column = f"other.{l.id[len('other_payers.'):]}"
            slip = int(cols.get(column, 0))
            if l.amount > slip:
                out.append(f"{where}: pays {yuan(l.amount)}, more than the slip's {yuan(slip)}")
        elif l.amount > l.base:
            why = "its rate segments" if l.segments else f"its rate {l.rate}" if l.rate is not None else "its rate"
            out.append(f"{where}: pays {yuan(l.amount)} on a base of {yuan(l.base)}; a layer never pays more than "
                       f"its base: check {why} (at most 1) and its base expression")
        # what the earlier stays used and what this settlement's earlier layers of the programme took
        # (shared_before, Layer.shares_cap_with) both come off the cap
        if l.annual_cap is not None and l.amount > max(0, l.annual_cap - l.used_before - l.shared_before):
            here = f" and {yuan(l.shared_before)} taken by this settlement's earlier layers" if l.shared_before else ""
            out.append(f"{where}: pays {yuan(l.amount)} with {yuan(l.used_before)} of its annual cap "
                       f"{yuan(l.annual_cap)} already used{here}")
    if s.paid > s.total:
        out.append(f"the payers together pay {yuan(s.paid)}, more than the bill {yuan(s.total)}")
    if s.burden != s.total - s.paid:
        out.append(f"personal burden {yuan(s.burden)} is not total {yuan(s.total)} − payers {yuan(s.paid)}")
    if s.burden < 0:
        out.append(f"personal burden {yuan(s.burden)} is negative")
    return out


def _slip():
    from jiuzhu.rules.settle import SLIP_LAYERS
    return SLIP_LAYERS


def _valid_columns(earlier: list[str]) -> set[str]:
    return {*BILL_COLUMNS, "out_of_scope", "paid", "burden", "others_paid", "items.all",
            *(f"layer.{i}" for i in earlier)}


def check_plan(plan: Plan, where: str = "plan") -> list[str]:
    """A plan's layers are well formed: rates in [0, 1], non-negative deductibles and caps, known columns."""
    from jiuzhu.rules.settle import full_plan
    out, seen = [], []
    for layer in full_plan(plan).layers:
        w = f"{where}: layer {layer.id}"
        if layer.given:
            seen.append(layer.id)
            continue
        if not 0 <= layer.rate <= 1:
            out.append(f"{w}: rate {layer.rate} is outside 0…1; a layer pays at most its base (use a rate ≤ 1)")
        for lo, hi, r in layer.segments:
            if not 0 <= Fraction(r) <= 1:
                out.append(f"{w}: segment from {yuan(lo)} has rate {r} outside 0…1")
        if layer.deductible < 0:
            out.append(f"{w}: deductible {layer.deductible} is negative")
        for cap in ("claim_cap", "annual_cap"):
            v = getattr(layer, cap)
            if v is not None and v < 0:
                out.append(f"{w}: {cap} {v} is negative")
        valid = _valid_columns(seen)
        for col, _k in (*layer.base, *(layer.base_limit or ())):
            if col not in valid and not col.startswith(("items.approval.", "items.tag.", "items.line.")):
                out.append(f"{w}: base uses unknown column {col!r}; valid: {', '.join(sorted(valid))}, "
                           f"items.approval.STATE, items.tag.TAG, items.line.N")
        if layer.round_to < 1:
            out.append(f"{w}: round_to {layer.round_to} is below 1 fen")
        seen.append(layer.id)
    return out


def check_hook_answers(kit: Kit, case: Case) -> list[str]:
    """Call each policy hook of the region directly and check the type of its answer."""
    region, out = kit.region, []
    ctx = kit.engine.context(kit.code, kit.engine.day_for(case, kit.code, None))

    def bad(hook, got, want):
        out.append(f"region {kit.code}: {hook} returned {type(got).__name__}, expected {want}")

    el = region.call("jiuzhu_eligibility", case=case, ctx=ctx)
    if not isinstance(el, Eligibility):
        bad("jiuzhu_eligibility", el, "Eligibility")
        return out
    ref = region.call("jiuzhu_referral", case=case, ctx=ctx, eligibility=el)
    if not isinstance(ref, ReferralVerdict):
        bad("jiuzhu_referral", ref, "ReferralVerdict")
        return out
    if ref.kind not in VERDICTS:
        out.append(f"region {kit.code}: jiuzhu_referral verdict {ref.kind!r} is not one of {', '.join(VERDICTS)}")
    sig = region.call("jiuzhu_signature", case=case, ctx=ctx)
    if sig is not None and not isinstance(sig, SignaturePlan):
        bad("jiuzhu_signature", sig, "SignaturePlan or None")
    elif sig is not None and sig.signer_role not in ROLES:
        out.append(f"region {kit.code}: signer role {sig.signer_role!r} is not one of jiuzhu.model.ROLES")
    plan = region.call("jiuzhu_reimbursement", case=case, ctx=ctx, eligibility=el, referral=ref)
    if plan is not None and not isinstance(plan, Plan):
        bad("jiuzhu_reimbursement", plan, "Plan")
    elif plan is not None:
        out += check_plan(plan, f"region {kit.code}: jiuzhu_reimbursement")
    outcome = kit.engine.evaluate(case, kit.code, documents=False)
    docs = region.call("jiuzhu_documents", case=case, ctx=ctx, outcome=outcome)
    if not isinstance(docs, (list, tuple)) or not all(isinstance(d, DocumentNeed) for d in docs):
        bad("jiuzhu_documents", docs, "a list of DocumentNeed")
    for hook in ("jiuzhu_templates", "jiuzhu_examples", "jiuzhu_rules"):
        got = region.call(hook)
        if got is not None and not isinstance(got, (str, Path)):
            bad(hook, got, "a path or None")
    return out


def check_evaluation(kit: Kit, case: Case) -> tuple[Outcome | None, list[str]]:
    """Evaluate; an exception is a problem (a valid case must always get an outcome)."""
    try:
        return kit.engine.evaluate(case, kit.code), []
    except Exception as exc:  # the contract: no valid case makes evaluation raise
        msg = str(exc).splitlines()[0] if str(exc) else ""
        return None, [f"region {kit.code}: evaluation raised {type(exc).__name__}: {msg} "
                      f"(episode {case.episode.kind} admitted {case.episode.admitted}); "
                      f"every valid case must get an outcome"]


def check_deterministic(kit: Kit, case: Case) -> list[str]:
    a = kit.engine.evaluate(case, kit.code)
    b = kit.engine.evaluate(case, kit.code)
    c = kit.fresh_engine().evaluate(case, kit.code)
    if a == b == c:
        return []
    return [f"region {kit.code}: the same case gave different outcomes on repeated evaluation; "
            f"hooks must not keep state between calls or depend on the clock"]


def _other_sex(id_number: str) -> str:
    """The same ID number (birth date, area) for a person of the other sex (GB 11643: the 17th
    character's parity), with its check character recomputed."""
    from jiuzhu.model.idcard import check_char
    body = id_number[:16] + str((int(id_number[16]) + 1) % 10)
    return body + check_char(body)


def check_sex_blind(kit: Kit, case: Case) -> list[str]:
    """A chain that declares ``reads_sex = False`` (RegionInfo) decides a case the same for a person of
    either sex: a batch groups its claims without the sex, so a hook that read it would be wrong there."""
    if any(r.info.reads_sex for r in kit.engine.chain(kit.code)):
        return []
    idn = case.person.id_number
    if len(idn) != 18 or not idn[16].isdigit():
        return []
    other = attrs.evolve(case, person=attrs.evolve(case.person, id_number=_other_sex(idn)))
    seen = lambda c: [(r.code, r.eligibility, r.referral, r.plan) for r in kit.engine.decide(c, kit.code)]
    if seen(case) == seen(other):
        return []
    return [f"region {kit.code}: the decision changed with the person's sex, but the region declares "
            f"reads_sex = False; set reads_sex = True in its RegionInfo (a batch would group both sexes together)"]


def check_annual_caps(kit: Kit, series: list[Case]) -> list[str]:
    """Evaluate one person's admissions in date order, carrying what each programme paid into the
    next case's history; no programme may pay more in the year than its annual cap."""
    ytd: dict[str, int] = {}
    caps: dict[str, int] = {}
    out = []
    for i, case in enumerate(series):
        case = attrs.evolve(case, history=History(dict(ytd), i))
        outcome = kit.engine.evaluate(case, kit.code)
        for l in outcome.settlement.layers:
            if l.annual_cap is None:
                continue
            prog = l.program or l.id
            if l.used_before != ytd.get(prog, 0):
                out.append(f"layer {l.id}: admission {i + 1} counted {yuan(l.used_before)} as used this year, "
                           f"but the history says {yuan(ytd.get(prog, 0))}; use program= consistently")
            caps[prog] = l.annual_cap
        before = dict(ytd)
        slip: dict[str, int] = {}  # what the slip's own figures (given layers) added to each programme
        for _, program in kit.engine.programs(kit.code):  # the year-to-date as the settlement ledger keeps it
            layers, cols = outcome.settlement.layers, bill_columns(case)
            ytd[program.id] = ytd.get(program.id, 0) + program.counted(layers, cols)
            if program.measure == "amount":
                slip[program.id] = program.counted([l for l in layers if l.given], cols)
        for l in outcome.settlement.layers:
            prog = l.program or l.id
            # a programme may also count what the region does not pay (the slip's critical-illness insurance for
            # Guang'an's tilt, GA-AMB-6 B): the slip alone may take the year past the cap; what the region's
            # layers added on top may not
            if l.annual_cap is not None and ytd.get(prog, 0) > max(l.annual_cap, before.get(prog, 0) + slip.get(prog, 0)):
                out.append(f"layer {l.id}: after admission {i + 1} programme {prog} paid {yuan(ytd[prog])} this "
                           f"year, above its annual cap {yuan(l.annual_cap)}")
    return out


def check_examples(kit: Kit) -> list[str]:
    """Every case file in the region's examples folder loads and evaluates."""
    folder = kit.region.call("jiuzhu_examples")
    if folder is None or not Path(folder).is_dir():
        return []
    out = []
    for p in sorted(Path(folder).iterdir()):
        if p.suffix.lower() not in (".toml", ".json") or p.name.endswith(".case.toml"):
            continue
        try:
            case = load_case(p)
            kit.engine.evaluate(case, case.region or kit.code)
        except JiuzhuError as exc:
            out.append(f"example {p.name}: {exc}")
    return out


def describe(case: Case) -> str:
    """A one-line summary of a (synthetic) case for failure reports: facts and bill, no identity."""
    e, p = case.episode, case.person
    bill = ", ".join(f"{k}={yuan(v)}" for k, v in bill_columns(case).items() if v and not k.startswith("items."))
    used = ", ".join(f"{k}={yuan(v)}" for k, v in case.history.ytd.items())
    return (f"[{e.kind} {e.admitted}–{e.discharged or ''}, hukou {p.hukou[:6]}, facility {case.facility.level} "
            f"{case.facility.location}, categories {list(p.categories)}, bill: {bill or 'all zero'}"
            + (f", used this year: {used}" if used else "") + "]")


# -- without pytest: every check, in the order of the pytest class --------------------------------


def _random(strategy, check, max_examples: int, shrink: bool = True) -> list[str]:
    """Run ``check`` on ``max_examples`` drawn values; the problems of the smallest failing one
    (of the first failing one as drawn, without ``shrink``)."""
    from hypothesis import HealthCheck, Phase, given, settings

    found: list[str] = []

    phases = tuple(Phase) if shrink else tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain))

    @settings(max_examples=max_examples, deadline=None, database=None, print_blob=False, report_multiple_bugs=False,
              phases=phases,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(strategy)
    def run(x):
        try:
            problems = check(x)
        except JiuzhuError as exc:  # a check that cannot even run on this case says why
            problems = [str(exc)]
        if problems:
            found[:] = problems + [f"on the case {describe(c)}" for c in (x if isinstance(x, list) else [x])]
            raise AssertionError(problems[0])

    try:
        run()
    except Exception:  # the failure is in ``found``; anything else is a problem too
        if not found:
            raise
    return found


def run_contract(host: Host, code: str, deployment: dict | None = None, max_examples: int = 25,
                 uncited: dict | None = None, shrink: bool = True):
    """The contract as (check, problems) pairs, yielded as each check ends, for tools other than
    pytest (``jiuzhu check-region``).

    The checks on random cases need hypothesis (the ``test`` extra); without it they are reported
    as one problem saying so.
    """
    kit = Kit(host, code, dict(deployment or {}))
    kit.region  # an unknown or broken region is one line, before any check runs
    if kit.deployment.get("compose_parents", True) is not False:
        kit.host.chain(code)  # so is a parent missing, broken or in a cycle: no check could pass
    yield "hooks", check_hooks(kit)
    yield "region information", check_info(kit)
    yield "parameters", check_parameters(kit, uncited)
    yield "example cases", check_examples(kit)
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        yield "random cases", ["hypothesis is not installed; pip install 'jiuzhu[test]' to check the money "
                               "invariants on random cases"]
        return

    def citations(case):
        outcome, problems = check_evaluation(kit, case)
        return problems or check_outcome(outcome)

    def money(case):
        outcome, problems = check_evaluation(kit, case)
        return problems or check_money(case, outcome)

    series = kit.admission_series().map(lambda raws: [structure_case(r) for r in raws])
    for title, strategy, check in (
            ("hook answers", kit.cases(), lambda case: check_hook_answers(kit, case)),
            ("evaluation", kit.cases(), lambda case: check_evaluation(kit, case)[1]),
            ("citations", kit.cases(), citations),
            ("money invariants", kit.cases(), money),
            ("annual caps", series, lambda cases: check_annual_caps(kit, cases)),
            ("determinism", kit.cases(), lambda case: check_deterministic(kit, case)),
            ("sex", kit.cases(), lambda case: check_sex_blind(kit, case))):
        yield title, _random(strategy, check, max_examples, shrink)


# -- the pytest base class ---------------------------------------------------------------------

try:
    import pytest
    from hypothesis import HealthCheck, given, settings
except ImportError:  # pragma: no cover - the checks above work without the test extras
    pytest = None


def _fail(problems: list[str], title: str) -> None:
    if problems:
        shown = problems[:15] + ([f"… and {len(problems) - 15} more"] if len(problems) > 15 else [])
        pytest.fail(f"{title}:\n" + "\n".join(f"  - {p}" for p in shown), pytrace=False)


if pytest is not None:

    class RegionContract:
        """Subclass in a region's tests and set ``region_code``; every ``test_*`` here then runs for it.

        Class attributes a region may set:

        ``region_code``
            the region's code (or provide a ``region_code`` fixture).
        ``deployment``
            deployment settings as in ``jiuzhu.toml`` (``{"parameters": {...}, "compose_parents": …}``),
            for regions that cannot be evaluated without deployment parameters.
        ``uncited``
            ``{parameter: why}`` for parameters knowingly without a citation yet; they are reported as
            expected failures instead of failures, until cited.
        ``max_examples``
            random cases per property (hypothesis).
        """

        deployment: dict = {}
        uncited: dict = {}
        max_examples: int = 25

        @pytest.fixture(scope="class")
        def region_code(self):
            raise NotImplementedError("set region_code = 'yourcode' on your RegionContract subclass")

        @classmethod
        def make_host(cls) -> Host:
            """The host the region is found in; override to register plugins without entry points."""
            return default_host()

        @pytest.fixture(scope="class")
        @classmethod
        def kit(cls, request) -> Kit:
            code = getattr(cls, "region_code", None)
            if not isinstance(code, str):
                code = request.getfixturevalue("region_code")
            host = cls.make_host()
            if code not in host.regions:
                pytest.fail(f"region {code!r} is not installed (installed: {', '.join(sorted(host.regions))}); "
                            f"register it under the jiuzhu.regions entry point and pip install the package",
                            pytrace=False)
            return Kit(host, code, dict(cls.deployment))

        def _settings(self):
            return settings(max_examples=self.max_examples, deadline=None, database=None,
                            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                   HealthCheck.filter_too_much])

        # identity and data ---------------------------------------------------------------
        def test_every_hook_is_implemented(self, kit):
            _fail(check_hooks(kit), "hooks missing")

        def test_region_describes_itself(self, kit):
            _fail(check_info(kit), "region information")

        def test_parameters_are_cited_and_dated(self, kit):
            _fail(check_parameters(kit, self.uncited), "parameters")
            strict = check_parameters(kit, {})
            pending = [n for n in self.uncited if any(f"parameters.{kit.code}.{n} " in p for p in strict)]
            if pending:
                pytest.xfail(f"parameters still without citation: {', '.join(pending)} ({self.uncited[pending[0]]})")

        def test_examples_evaluate(self, kit):
            _fail(check_examples(kit), "example cases")

        # on random valid cases ------------------------------------------------------------
        def _property(self, kit, strategy, check, title):
            @self._settings()
            @given(strategy)
            def run(x):
                problems = check(x)
                if problems:
                    cases = x if isinstance(x, list) else [x]
                    _fail(problems + [f"on the case {describe(c)}" for c in cases], title)
            run()

        def test_every_hook_answers(self, kit):
            in_force = kit.cases()
            self._property(kit, in_force, lambda case: check_hook_answers(kit, case), "hook answers")

        def test_evaluation_never_raises(self, kit):
            self._property(kit, kit.cases(), lambda case: check_evaluation(kit, case)[1], "evaluation")

        def test_outcomes_carry_citations(self, kit):
            def check(case):
                outcome, problems = check_evaluation(kit, case)
                return problems or check_outcome(outcome)
            self._property(kit, kit.cases(), check, "citations")

        def test_money_invariants(self, kit):
            def check(case):
                outcome, problems = check_evaluation(kit, case)
                return problems or check_money(case, outcome)
            self._property(kit, kit.cases(), check, "money invariants")

        def test_annual_caps_across_admissions(self, kit):
            strategy = kit.admission_series().map(lambda raws: [structure_case(r) for r in raws])
            self._property(kit, strategy, lambda series: check_annual_caps(kit, series), "annual caps")

        def test_same_case_same_outcome(self, kit):
            self._property(kit, kit.cases(), lambda case: check_deterministic(kit, case), "determinism")

        def test_sex_blind_unless_declared(self, kit):
            self._property(kit, kit.cases(), lambda case: check_sex_blind(kit, case), "sex")
