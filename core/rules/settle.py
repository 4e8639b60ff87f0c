"""Settlement: ordered payer layers, evaluated for one case or for columns of many claims.

A region's reimbursement hook returns a :class:`Plan`: the layers that act after the slip's
insurance payments, each with a *base* (a linear expression over bill columns and earlier
layers), a deductible, a rate or rate segments, a per-claim cap and an annual cap. The same
plan is evaluated by :func:`settle` (one case, every step kept for the explanation) and by
:func:`settle_columns` (numpy arrays, annual caps accumulated per person in date order). Both
use the same integer arithmetic, so they agree to the fen.

Columns a base may use: the bill fields (``total``, ``in_scope``, ``first_self_paid``,
``over_limit``, ``fully_self_paid``, ``out_of_scope``, ``deductible``, ``basic_paid``,
``critical_paid``, ``assistance_paid``, ``other_paid``), other payers by kind (``other.KIND``),
item aggregates (``items.approval.refused``, ``items.tag.pet_ct`` …), one item's amount
(``items.line.N``, the N-th item of the bill, from 0; :func:`item_lines` picks them by tag and slip
column, each item once), ``paid`` and ``burden``
(what the layers so far paid and left), ``others_paid`` (what the slip's other payers settled so
far paid) and ``layer.ID`` (an earlier layer's amount; 0 before that layer is settled).

Payer order is data. Basic insurance and critical-illness insurance come first. Each other payer on
the slip (``bill.other_payers``, by kind; ``other_paid`` is kind ``other``) stands before the region's
layers unless the plan places it, with its citation, after a named layer (:class:`SlipPayer`): then
it only reduces the burden left after that layer, never that layer's base.

A layer may bound its base by a second expression (``base_limit``: the base is the smaller of the two,
for a reading such as "other payers are taken to have paid the excluded costs first") and round its
amount to a coarser unit than the fen (``round_to``: 100 rounds half up to the whole yuan; see
:data:`ROUNDING`).

Every layer is finally limited by the burden still left, so the payers together never pay
more than the bill; a slip payer's figure beyond the burden left is not counted (its excess is
reported, for that payer to recover).
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import lcm
from typing import TYPE_CHECKING, Iterable, Mapping

import attrs

if TYPE_CHECKING:  # only the columnar path needs numpy; one case never imports it
    import numpy as np

from jiuzhu.model.money import round_half_up
from jiuzhu.model.outcome import Citation, LayerResult, Settlement
from jiuzhu.model.vocab import OTHER_PAYER_KINDS

BILL_COLUMNS = ("total", "in_scope", "first_self_paid", "over_limit", "fully_self_paid", "deductible",
                "basic_paid", "critical_paid", "assistance_paid", "other_paid")
SLIP_LAYERS = {
    # column: (id, 中文, English)
    "basic_paid": ("basic_insurance", "基本医疗保险统筹基金", "basic medical insurance"),
    "critical_paid": ("critical_illness", "大病保险", "critical illness insurance"),
    "other_paid": ("other_payers", "其他支付（第三方、补充保险等）", "other payers on the slip"),
    "assistance_paid": ("medical_assistance_slip", "医疗救助（一站式结算）", "medical assistance on the slip"),
}
# Rounding units a region's rounding switch may name (a layer's ``round_to``, in fen): the fen, the whole yuan.
ROUNDING = {"fen": 1, "yuan": 100}
_TERM = re.compile(r"\s*([+-])?\s*(?:(\d+(?:\.\d+)?)\s*\*\s*)?([a-z_][a-z0-9_.:=]*)\s*")


def parse_base(expr: str) -> tuple[tuple[str, Fraction], ...]:
    """'burden - 0.1*total' -> (('burden', 1), ('total', -1/10))."""
    terms, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TERM.match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read base expression {expr!r} at {expr[pos:]!r}")
        sign, coef, col = m.groups()
        c = Fraction(coef) if coef else Fraction(1)
        terms.append((col, -c if sign == "-" else c))
        pos = m.end()
    return tuple(terms)


def item_lines(items, tags: Iterable[str], columns: Iterable[str] | None = None) -> tuple[str, ...]:
    """The base columns ``items.line.N`` of the bill items that carry any of ``tags`` and sit in one of
    the slip ``columns`` (every column when None). Each item comes once however many of the tags it
    carries, and an item in a column the base already removes is left out by not naming that column:
    so a line excluded on two grounds, or a line that is itself the removed column, is removed once.
    ``items`` is ``case.bill.items``; the answer depends on the items' facts (tags, column), never on
    their amounts."""
    wanted, cols = set(tags), None if columns is None else set(columns)
    return tuple(f"items.line.{i}" for i, it in enumerate(items)
                 if wanted & set(it.tags) and (cols is None or it.column in cols))


def _base(value) -> tuple[tuple[str, Fraction], ...]:
    if isinstance(value, str):
        return parse_base(value)
    return tuple((c, Fraction(k)) for c, k in value)


def _limit(value) -> tuple[tuple[str, Fraction], ...] | None:
    return None if value is None else _base(value)


def _round_rate(net: int, rate: Fraction, unit: int = 1) -> int:
    """net × rate, rounded half up to a multiple of ``unit`` fen (1: the fen, 100: the whole yuan)."""
    return (2 * net * rate.numerator + rate.denominator * unit) // (2 * rate.denominator * unit) * unit


@attrs.frozen
class Layer:
    """One payer layer. Either ``given`` (a slip column taken as it is) or computed."""

    id: str
    name_zh: str
    name_en: str
    payer: str = ""
    base: tuple[tuple[str, Fraction], ...] = attrs.field(default=(("burden", Fraction(1)),), converter=_base)
    # The base is at most this second expression (None: no bound), e.g. "burden" for "the eligible cost, but
    # never more than what is left after the other payers" (Jingjiang JJ-AMB-2 reading B).
    base_limit: tuple[tuple[str, Fraction], ...] | None = attrs.field(default=None, converter=_limit)
    rate: Fraction = attrs.field(default=Fraction(1), converter=Fraction)
    segments: tuple[tuple[int, int | None, Fraction], ...] = ()
    deductible: int = 0
    claim_cap: int | None = None
    annual_cap: int | None = None
    program: str = ""  # the history key the annual cap is counted in; defaults to the id
    # The other layers whose amounts the annual-cap programme counts (its ``Program.layers``, measure
    # "amount"): those already settled in this same settlement, standing before this layer, use up the cap
    # before it does, on top of what the year used before (e.g. the slip's critical-illness insurance for
    # Guang'an's tilt when it shares that cap, GA-AMB-6 B). A layer after this one is not known yet.
    shares_cap_with: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    given: str | None = None
    cite: Citation | None = None
    note_zh: str = ""
    # A column whose amount was already paid of this layer elsewhere (e.g. the slip's part of a tilt jiuzhu
    # computes): the computed amount is reduced by it, never below 0, before the caps and the burden.
    less: str = ""
    # False for a layer that moves cost off the person without being assistance (e.g. a proposer who must
    # absorb an unapproved item, Liujiang 第十四条): it lowers the burden but is not summed as assistance.
    assistance: bool = True
    # The unit, in fen, the rate's (or segments') amount is rounded half up to: 1 the fen (default), 100 the
    # whole yuan (a region's rounding switch, ROUNDING). Caps and the burden left still bind to the fen.
    round_to: int = 1

    @property
    def cap_program(self) -> str:
        return self.program or self.id

    @classmethod
    def from_slip(cls, column: str, cite: Citation | None = None) -> "Layer":
        lid, zh, en = SLIP_LAYERS[column]
        return cls(lid, zh, en, payer=lid, given=column, cite=cite)


@attrs.frozen
class SlipPayer:
    """Where one kind of other payer on the slip stands relative to a region's layers.

    ``after``: the layer ids it follows, the first the plan has counting (e.g. ``("medical_assistance",
    "medical_assistance_slip")``); if the plan has none of them, the payer stands before the region's
    layers, as does every kind not placed (one rule for every plan keeps the columnar merge of many
    plans' orders consistent).
    """

    kind: str  # a key of jiuzhu.model.vocab.OTHER_PAYER_KINDS
    after: tuple[str, ...] = ()
    cite: Citation | None = None
    before: tuple[str, ...] = ()  # or: right before the first of these layer ids the plan has


def payer_layer_id(kind: str) -> str:
    return "other_payers" if kind == "other" else f"other_payers.{kind}"


def payer_column(kind: str) -> str:
    return "other_paid" if kind == "other" else f"other.{kind}"


def payer_layer(kind: str, cite: Citation | None = None) -> Layer:
    zh = "其他支付（第三方、补充保险等）" if kind == "other" else f"其他支付：{OTHER_PAYER_KINDS[kind]}"
    en = "other payers on the slip" if kind == "other" else f"other payer on the slip: {kind}"
    lid = payer_layer_id(kind)
    return Layer(lid, zh, en, payer=lid, given=payer_column(kind), cite=cite)


@attrs.frozen
class Plan:
    """The layers a region applies to a case, after the slip's insurance layers, and where the
    slip's other payers stand among them (``payers``; kinds not named stand before the layers)."""

    layers: tuple[Layer, ...] = ()
    payers: tuple[SlipPayer, ...] = ()

    def __add__(self, other: "Plan") -> "Plan":
        """Compose a parent's plan with a child's: a child layer with the same id replaces the
        parent's in place; the others follow in order. A child's placement of a payer kind
        replaces the parent's."""
        mine = list(self.layers)
        ids = [l.id for l in mine]
        for l in other.layers:
            if l.id in ids:
                mine[ids.index(l.id)] = l
            else:
                mine.append(l)
                ids.append(l.id)
        theirs = {p.kind for p in other.payers}
        payers = tuple(p for p in self.payers if p.kind not in theirs) + other.payers
        return Plan(tuple(mine), payers)

    def placement(self, kind: str) -> SlipPayer | None:
        """The kind's placement after a layer this plan has, else None (before the region's layers)."""
        ids = {l.id for l in self.layers}
        return next((p for p in self.payers if p.kind == kind and any(a in ids for a in (*p.after, *p.before))), None)


def slip_prefix(plan: Plan | None = None, kinds: Iterable[str] = ("other",)) -> Plan:
    """Basic insurance, critical illness insurance and the other payers the plan does not place later
    are settled before any region layer (DOMAIN: layers, in order); they are the slip's figures."""
    plan = plan or Plan()
    layers = [Layer.from_slip(c) for c in ("basic_paid", "critical_paid")]
    layers += [payer_layer(k) for k in kinds if plan.placement(k) is None and not reads_payer(plan, k)]
    return Plan(tuple(layers))


def reads_payer(plan: Plan, kind: str) -> bool:
    """Does one of the plan's own layers take this payer kind's slip column as given (e.g. Guang'an's tilt
    read from the slip)? Then the plan places it itself and it is not added again (never counted twice)."""
    col = payer_column(kind)
    return any(l.given == col for l in plan.layers)


def payer_kinds(cols: Mapping) -> tuple[str, ...]:
    """``other`` and every kind with a column ``other.KIND``, in vocabulary order."""
    return ("other", *(k for k in OTHER_PAYER_KINDS if k != "other" and f"other.{k}" in cols))


def full_plan(plan: Plan, kinds: Iterable[str] = ("other",)) -> Plan:
    """The slip prefix, the plan's layers, and each later payer right after the layer it follows."""
    kinds = tuple(kinds)
    body = list(plan.layers)
    for k in kinds:
        place = plan.placement(k)
        if place is None or reads_payer(plan, k):
            continue
        ids = [l.id for l in body]
        after = next((a for a in place.after if a in ids), None)
        pos = ids.index(after) + 1 if after else ids.index(next(b for b in place.before if b in ids))
        while pos < len(body) and body[pos].given and body[pos].id.startswith("other_payers"):
            pos += 1  # several payers after one layer keep the vocabulary's order
        body.insert(pos, payer_layer(k, place.cite))
    return Plan(slip_prefix(plan, kinds).layers + tuple(body))


def _lin(terms, get) -> int:
    """Σ coef × column, rounded half up to the fen, never below 0. Same formula as the columnar path."""
    d = lcm(*(k.denominator for _, k in terms)) if terms else 1
    num = sum(int(k * d) * int(get(c)) for c, k in terms)
    return max(0, (2 * num + d) // (2 * d))


def _seg_amount(x: int, segments, unit: int = 1) -> int:
    total = Fraction(0)
    for lo, hi, r in segments:
        part = max(0, (x if hi is None else min(x, hi)) - lo)
        total += r * part
    return round_half_up(total / unit) * unit if total else 0


def _shared_here(layer: Layer, get):
    """What this settlement's layers named in ``shares_cap_with`` (other than the layer itself) already paid:
    ``layer.ID`` is 0 until that layer is settled, so only those standing before it count. ``get`` reads one
    column (an int for one case, an array for columns)."""
    total = 0
    for lid in layer.shares_cap_with:
        if lid != layer.id:
            total = total + get(f"layer.{lid}")
    return total


def settle(bill_columns: Mapping[str, int], plan: Plan, used: Mapping[str, int] | None = None) -> Settlement:
    """Evaluate a plan on one bill. ``used`` is what each annual-cap programme already paid this year."""
    used = used or {}
    cols = dict(bill_columns)
    total = int(cols["total"])
    paid = others = 0
    results = []
    for layer in full_plan(plan, payer_kinds(cols)).layers:
        burden = total - paid

        def get(c):
            if c == "paid":
                return paid
            if c == "burden":
                return burden
            if c == "others_paid":
                return others
            return cols.get(c, 0)

        if layer.given:
            slip = int(cols.get(layer.given, 0))
            amount = min(slip, burden)
            res = LayerResult(layer.id, layer.name_zh, layer.name_en, layer.payer, amount, computed=slip,
                              burden_before=burden, binding="given" if amount == slip else "burden", given=True,
                              cite=layer.cite, note_zh=layer.note_zh)
        else:
            base, base_terms = _lin(layer.base, get), layer.base
            if layer.base_limit is not None:
                bound = _lin(layer.base_limit, get)
                if bound < base:  # the explanation shows the expression that gave the base
                    base, base_terms = bound, layer.base_limit
            net = max(0, base - layer.deductible)
            computed = _seg_amount(net, layer.segments, layer.round_to) if layer.segments else \
                _round_rate(net, layer.rate, layer.round_to)
            less_amount, before_less = 0, computed
            if layer.less:
                less_amount = max(0, int(get(layer.less)))
                computed = max(0, computed - less_amount)
            limits = [("rate", computed)]
            if layer.claim_cap is not None:
                limits.append(("claim_cap", layer.claim_cap))
            u = int(used.get(layer.cap_program, 0))
            here = 0
            if layer.annual_cap is not None:
                here = _shared_here(layer, lambda c: int(cols.get(c, 0)))
                limits.append(("annual_cap", max(0, layer.annual_cap - u - here)))
            limits.append(("burden", burden))
            binding, amount = min(limits, key=lambda kv: kv[1])
            if amount == computed:
                binding = "rate"
            terms = tuple((c, str(k), int(get(c))) for c, k in base_terms)
            res = LayerResult(layer.id, layer.name_zh, layer.name_en, layer.payer, amount, base=base,
                              base_terms=terms, deductible=layer.deductible,
                              rate=None if layer.segments else layer.rate, segments=layer.segments,
                              computed=computed, claim_cap=layer.claim_cap, annual_cap=layer.annual_cap,
                              program=layer.cap_program if layer.annual_cap is not None else "", used_before=u,
                              shared_before=here, less=layer.less, less_amount=less_amount, before_less=before_less,
                              burden_before=burden, binding=binding, cite=layer.cite, note_zh=layer.note_zh,
                              assistance=layer.assistance)
        results.append(res)
        cols[f"layer.{layer.id}"] = res.amount
        paid += res.amount
        if layer.given and layer.id.startswith("other_payers"):
            others += res.amount
    return Settlement(total=total, layers=tuple(results))


# ---------------------------------------------------------------------------------------------
# Columns


def merged_order(plans: Iterable[Plan], kinds: Iterable[str] = ("other",)) -> list[str]:
    """One order of layer ids consistent with every plan (a topological merge)."""
    succ: dict[str, set[str]] = {}
    indeg: dict[str, int] = {}
    first_seen: list[str] = []
    kinds = tuple(kinds)
    for plan in plans:
        ids = [l.id for l in full_plan(plan, kinds).layers]
        for i in ids:
            if i not in indeg:
                indeg[i] = 0
                succ[i] = set()
                first_seen.append(i)
        for a, b in zip(ids, ids[1:]):
            if b not in succ[a]:
                succ[a].add(b)
                indeg[b] += 1
    order, ready = [], [i for i in first_seen if indeg[i] == 0]
    while ready:
        n = ready.pop(0)
        order.append(n)
        for m in sorted(succ[n], key=first_seen.index):
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    if len(order) != len(indeg):
        raise ValueError("plans order their layers inconsistently; an annual cap could not be honoured in date order")
    return order


def _lin_cols(terms, get, idx):
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    d = lcm(*(k.denominator for _, k in terms)) if terms else 1
    num = None
    for c, k in terms:
        m, col = int(k * d), get(c)[idx]
        term = col if m == 1 else m * col
        num = term if num is None else num + term  # never in place: ``col`` may be a view of a column
    if num is None:
        return np.zeros(len(get("total")[idx]), dtype=np.int64)
    return np.maximum(num, 0) if d == 1 else np.maximum(0, (2 * num + d) // (2 * d))


def _seg_cols(x, segments, unit: int = 1):
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    d = lcm(*(r.denominator for _, _, r in segments))
    num = np.zeros(len(x), dtype=np.int64)
    for lo, hi, r in segments:
        part = np.maximum(0, (x if hi is None else np.minimum(x, hi)) - lo)
        num += int(r * d) * part
    return (2 * num + d * unit) // (2 * d * unit) * unit


def claim_order(person, year, day):
    """The order in which annual caps accumulate: by person, year, day, then input position (a
    stable sort). Compute it once per date basis and pass it to :func:`settle_columns`."""
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    person, year, day = (np.asarray(a, dtype=np.int64) for a in (person, year, day))
    n = len(person)
    if not n:
        return np.zeros(0, dtype=np.int64)
    spans = [int(a.max()) - int(a.min()) + 1 for a in (person, year, day)]
    if spans[0] * spans[1] * spans[2] < 2 ** 62:  # one int64 key: one sort instead of three
        key = ((person - person.min()) * spans[1] + (year - year.min())) * spans[2] + (day - day.min())
        return np.argsort(key, kind="stable")
    return np.lexsort((day, year, person))


def _seg_cols_from(x, start, segments, unit: int = 1):
    """:func:`_seg_cols` on the stretch ``[start, start + x]`` of a running total: each segment pays its
    rate on the part of the stretch inside it (``start`` per claim, what the year counted before). With
    ``start`` 0 it is :func:`_seg_cols`; otherwise it equals the segments shifted down by ``start`` (what a
    region's hooks give one case whose history says ``start``), rounded once, as :func:`_seg_amount`."""
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    d = lcm(*(r.denominator for _, _, r in segments))
    num = np.zeros(len(x), dtype=np.int64)
    end = start + x
    for lo, hi, r in segments:
        top = end if hi is None else np.minimum(end, hi)
        num += int(r * d) * np.maximum(0, top - np.maximum(start, lo))
    return (2 * num + d * unit) // (2 * d * unit) * unit


def settle_columns(cols: Mapping[str, "np.ndarray"], plans: list[Plan], plan_of, person, year, day,
                   used: Mapping[str, "np.ndarray"] | None = None, order=None,
                   running: Mapping[str, "tuple[str, ...] | np.ndarray"] | None = None,
                   runs_on: Mapping[str, str] | None = None,
                   counts: Mapping[str, tuple[str, ...]] | None = None) -> dict:
    """Evaluate many claims at once.

    ``cols`` maps bill columns to int64 fen arrays; ``plan_of[i]`` indexes ``plans`` for claim i;
    ``person``/``year``/``day`` are integer arrays that order claims for annual caps (``order``: their
    :func:`claim_order`, if already computed); ``used`` gives, per programme, what was already used
    this year before the person's first claim in the batch. Returns ``layer.ID`` arrays, ``paid`` and
    ``burden``.

    ``running`` names the running totals of costs: programme id → what each claim adds to it, either
    the ids of the layers whose bases it counts (``measure = "base"``) or an int64 array, per claim,
    of what it adds whatever its layers pay (``measure = "bill"``, e.g. the slip's in-scope cost less
    basic insurance, Guang'an GA-PAY-5). ``runs_on`` maps the segmented layers whose segments are
    measured on one of them to its programme id: such a layer's segments are given from 0 of the year
    and each claim's stretch starts where ``used`` and the person's earlier claims of the year (claim
    order) left the total, as settling them one by one through a ledger would. ``counts`` gives the
    layers whose amounts an annual-cap programme counts (``Program.layers``): beside the capped
    layer's own, the person's earlier claims' amounts of the others (e.g. the slip's critical-illness
    insurance, when Guang'an's tilt shares its cap, GA-AMB-6 B) use up the cap, as in the ledger.

    Layers are computed in input order, one pass per layer and plan; only the amounts of a layer with
    an annual cap (or whose segments run on a total) are put in claim order, accumulated, and scattered
    back.
    """
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    plan_of = np.asarray(plan_of)
    n = len(plan_of)
    used = used or {}
    c = {k: np.asarray(v, dtype=np.int64) for k, v in cols.items()}
    total = c["total"]
    paid = np.zeros(n, dtype=np.int64)
    others = np.zeros(n, dtype=np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    kinds = payer_kinds(c)
    full = [full_plan(p, kinds) for p in plans]
    # one plan for every claim (a region whose groups share it): whole columns, no index
    rows_of = [slice(None)] if len(plans) == 1 else [np.nonzero(plan_of == i)[0] for i in range(len(plans))]
    sorted_ = {}  # claim order and person-year boundaries, computed when a first cap needs them

    def groups():
        if not sorted_:
            o = claim_order(person, year, day) if order is None else np.asarray(order)
            p, y = np.asarray(person)[o], np.asarray(year)[o]
            new_group = np.ones(n, dtype=bool)
            if n:
                new_group[1:] = (p[1:] != p[:-1]) | (y[1:] != y[:-1])
            sorted_.update(order=o, group_id=np.cumsum(new_group) - 1, group_start=np.nonzero(new_group)[0])
        return sorted_

    def get(name):
        if name == "paid":
            return paid
        if name == "burden":
            return total - paid
        if name == "others_paid":
            return others
        return c.get(name, zeros)

    # the running totals: what each claim adds (fixed for a bill measure; a base measure's layers add their
    # bases as they are computed)
    running, runs_on = dict(running or {}), dict(runs_on or {})
    base_of = {p: tuple(v) for p, v in running.items() if isinstance(v, tuple)}
    counted = {p: zeros.copy() if p in base_of else np.asarray(v, dtype=np.int64) for p, v in running.items()}
    order_ids = merged_order(plans, kinds)
    for lid, prog in runs_on.items():
        if prog not in running:
            raise ValueError(f"layer {lid} runs on {prog}, which is not a running total passed")
        if lid in order_ids and any(l in order_ids and order_ids.index(l) > order_ids.index(lid)
                                    for l in base_of.get(prog, ())):
            raise ValueError(f"layer {lid} runs on {prog}, which counts a later layer; it cannot be known in time")

    def start_of(prog):
        """Where each claim's stretch of a running total starts: ``used`` of the person-year's first claim,
        then what its earlier claims (claim order) added."""
        g = groups()
        o, gid, gs = g["order"], g["group_id"], g["group_start"]
        t = counted[prog][o]
        before = np.cumsum(t) - t
        before = before - before[gs][gid]
        u = used.get(prog)
        if u is not None:
            before = before + np.asarray(u, dtype=np.int64)[o][gs][gid]
        s = np.empty(n, dtype=np.int64)
        s[o] = before
        return s

    out = {}
    for lid in order_ids:
        want = np.zeros(n, dtype=np.int64)
        cap = None  # -1: no annual cap
        program = None
        track = [p for p, ids in base_of.items() if lid in ids]
        bases = np.zeros(n, dtype=np.int64) if track else None
        pending = []  # (rows, net, layer) of plans whose segments of this layer run on a yearly total
        own = None  # what each claim's own earlier layers of the cap's programme paid (Layer.shares_cap_with)

        def share(layer, idx):
            nonlocal own
            if layer.annual_cap is None or not layer.shares_cap_with:
                return
            counted_by = (counts or {}).get(layer.cap_program)
            missing = [l for l in layer.shares_cap_with if counted_by is not None and l != lid and l not in counted_by]
            if missing:
                raise ValueError(f"layer {lid} shares its annual cap with {', '.join(missing)}, which programme "
                                 f"{layer.cap_program} does not count")
            if own is None:
                own = zeros.copy()
            own[idx] = _shared_here(layer, lambda col: c.get(col, zeros)[idx])
        for pi, plan in enumerate(full):
            layer = next((l for l in plan.layers if l.id == lid), None)
            idx = rows_of[pi]
            if layer is None or (not isinstance(idx, slice) and not len(idx)):
                continue
            burden = total[idx] - paid[idx]
            if layer.given:
                want[idx] = np.minimum(c.get(layer.given, zeros)[idx], burden)
                continue
            base = _lin_cols(layer.base, get, idx)
            if layer.base_limit is not None:
                base = np.minimum(base, _lin_cols(layer.base_limit, get, idx))
            if track:  # a running total counts this layer's base (Program.counted: computed layers only)
                bases[idx] = base
            net = np.maximum(0, base - layer.deductible) if layer.deductible else base
            if layer.segments and lid in runs_on:
                pending.append((idx, net, layer))
                continue
            if layer.segments:
                amt = _seg_cols(net, layer.segments, layer.round_to)
            else:
                r, u = layer.rate, layer.round_to
                if r == 1 and u == 1:
                    amt = net
                else:
                    amt = (2 * net * r.numerator + r.denominator * u) // (2 * r.denominator * u) * u
            want[idx], cap, program = _finish(layer, lid, amt, idx, burden, get, cap, program, n)
            share(layer, idx)
        for p in track:
            counted[p] += bases
        if pending:
            start = start_of(runs_on[lid])
            for idx, net, layer in pending:
                amt = _seg_cols_from(net, start[idx], layer.segments, layer.round_to)
                want[idx], cap, program = _finish(layer, lid, amt, idx, total[idx] - paid[idx], get, cap, program, n)
                share(layer, idx)
        if program is not None:
            g = groups()
            o = g["order"]
            u = used.get(program)
            # the programme's other layers settled before this one (the slip's critical-illness insurance for
            # Guang'an's tilt); one standing after it in the order is not known yet and is not counted
            sharing = [l for l in (counts or {}).get(program, ()) if l != lid and f"layer.{l}" in c]
            extra = sum((c[f"layer.{l}"] for l in sharing), zeros.copy())[o] if sharing else None
            amount = _apply_annual_cap(want[o], cap[o], None if u is None else np.asarray(u, dtype=np.int64)[o],
                                       g["group_id"], g["group_start"], extra, None if own is None else own[o])
            want[o] = amount
        c[f"layer.{lid}"] = want
        out[f"layer.{lid}"] = want
        paid += want
        if lid.startswith("other_payers"):
            others += want
    out["paid"], out["burden"] = paid, total - paid
    return out


def _finish(layer: Layer, lid: str, amt, idx, burden, get, cap, program, n):
    """A computed layer's amount on rows ``idx`` after what was paid of it elsewhere (``less``), its claim
    cap and the burden left; registers its annual cap. Returns (amount, cap column, cap programme)."""
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    if layer.less:
        amt = np.maximum(0, amt - get(layer.less)[idx])
    if layer.claim_cap is not None:
        amt = np.minimum(amt, layer.claim_cap)
    if layer.annual_cap is not None:
        if program not in (None, layer.cap_program):
            raise ValueError(f"layer {lid} counts its cap in more than one programme across plans")
        program = layer.cap_program
        if cap is None:
            cap = np.full(n, -1, dtype=np.int64)
        cap[idx] = layer.annual_cap
    return np.minimum(amt, burden), cap, program


def _apply_annual_cap(want, cap, used0, group_id, group_start, extra=None, own=None):
    """amount_i = min(want_i, cap − used before i), with used accumulating in order within a person-year.

    All arrays are in claim order; ``cap`` is -1 where the layer has no annual cap (the amount is then
    ``want``). Only the capped rows are gathered: with one cap per person-year the running total paid
    is min(used0 + cumsum(want), max(cap, used0)), which numpy computes at once; person-years whose
    rows disagree on the cap fall back to a loop. ``used0`` of a person-year is its first claim's.

    ``extra``: what other layers of the programme paid on each claim (capped or not), counted from the
    next claim on. Then, with V_i = used0 + Σ_{j<i} (want_j + extra_j) (want_j only where capped),
    amount_i = clip(cap − V_i, 0, want_i): until the cap binds V_i is the used total; from the first
    claim it binds on, V_i ≥ cap and so is the used total, and nothing more is paid.

    ``own``: what each claim's own earlier layers of the programme paid (``Layer.shares_cap_with``), counted
    on that claim before its own amount: amount_i = clip(cap − V_i − own_i, 0, want_i). Where the cap binds,
    the used total reaches cap − own_i + extra_i ≥ cap, since own_i counts no layer extra_i leaves out (the
    programme counts what the layer shares its cap with: checked by :func:`settle_columns`).
    """
    import numpy as np  # only the columnar path needs numpy; one case never imports it
    amount = want.copy()
    capped = cap >= 0
    if not capped.any():
        return amount
    n = len(want)
    if own is not None and extra is None:  # no programme given: the layers the capped layer names are what it counts
        extra = own
    if extra is not None:  # every row of a capped person-year counts: the whole columns, in claim order
        mine = np.zeros(n, dtype=np.int64) if own is None else own
        w = np.where(capped, want, 0)
        u0 = np.zeros(n, dtype=np.int64) if used0 is None else used0[group_start][group_id]
        cap_g = np.where(capped, cap, -1)
        gmax = np.maximum.reduceat(cap_g, group_start)
        gmin = np.minimum.reduceat(np.where(capped, cap, np.iinfo(np.int64).max), group_start)
        we = w + extra
        cum = np.cumsum(we)
        v = u0 + (cum - we) - (cum - we)[group_start][group_id]  # used before each claim, uncapped
        amount = np.where(capped, np.clip(gmax[group_id] - v - mine, 0, want), want)
        for g in np.nonzero((gmax != gmin) & (gmax >= 0))[0]:  # rare: caps that change within one person-year
            start = group_start[g]
            end = group_start[g + 1] if g + 1 < len(group_start) else n
            usedv = int(u0[start])
            for i in range(start, end):
                if cap[i] >= 0:
                    a = min(int(want[i]), max(0, int(cap[i]) - usedv - int(mine[i])))
                    amount[i] = a
                    usedv += a
                usedv += int(extra[i])
        return amount
    sel = np.nonzero(capped)[0]
    w, c, gid = want[sel], cap[sel], group_id[sel]
    new = np.ones(len(sel), dtype=bool)
    new[1:] = gid[1:] != gid[:-1]
    starts = np.nonzero(new)[0]
    sub = np.cumsum(new) - 1
    u0 = np.zeros(len(sel), dtype=np.int64) if used0 is None else used0[group_start][gid]
    cum = np.cumsum(w)
    running = cum - (cum - w)[starts][sub]  # cumulative want within the person-year, inclusive
    gmax = np.maximum.reduceat(c, starts)
    gmin = np.minimum.reduceat(c, starts)
    lim = np.maximum(gmax[sub], u0)
    amount[sel] = np.minimum(u0 + running, lim) - np.minimum(u0 + running - w, lim)
    for g in np.nonzero(gmax != gmin)[0]:  # rare: caps that change within one person-year
        end = starts[g + 1] if g + 1 < len(starts) else len(sel)
        usedv = int(u0[starts[g]])
        for i in sel[starts[g]:end]:
            a = min(int(want[i]), max(0, int(cap[i]) - usedv))
            amount[i] = a
            usedv += a
    return amount
