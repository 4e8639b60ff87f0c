"""Forms (表单): fill a region's Word and Excel templates from a case and its outcome.

A region ships its templates in the folder its ``jiuzhu_templates`` hook returns, with a
manifest ``forms.toml`` naming each form::

    [attachment_1]
    file = "attachment_1.docx"        # Word (docxtpl placeholders) or Excel (see below)
    title_zh = "武胜县特困人员县域内住院就医救助申请审批表"
    title_en = "In-county inpatient assistance application and approval form"
    source = "附件1"                   # where the seed gives the form
    ledger = "in_county"              # Excel sheets only: also a monthly ledger of these cases
    group = "facility.name"           # one ledger sheet per value (e.g. per reporting hospital)

A deployment swaps in a county's own edited copy without code changes::

    [templates.wusheng]
    attachment_1 = "forms/附件1.docx"

Placeholders see the *standard context* built from the case and outcome by
:func:`standard_context` (``person.name``, ``bill.total``, ``bill.total.capital`` …) and
``data.*``, the region-specific extras of the :class:`~jiuzhu.model.outcome.DocumentNeed`. A
placeholder that resolves to nothing is an error listing every missing name; a template may
mark a value optional with Jinja's ``default`` filter (``{{ data.reason | default('') }}``).

Excel templates use the same ``{{ … }}`` syntax in cells. A row whose cells mention ``row.``
is a row template: it is repeated once per case (``row`` is that case's standard context plus
``row.seq``), and a cell ``{{ sum }}`` below it becomes an Excel ``SUM`` over its column.
Header cells use ``sheet.*`` (reporting facility, township, month, fill date).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import attrs
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from jiuzhu.model.errors import JiuzhuError
from jiuzhu.model.idcard import age_on, birth_date, sex
from jiuzhu.model.case import ROLES, Case
from jiuzhu.model.money import capital_yuan, pct, yuan, yuan_grouped
from jiuzhu.model.outcome import SIGNER_RANKS, VERDICTS, DocumentNeed, Outcome, UnknownDue
from jiuzhu.model.tomlio import load_toml
from jiuzhu.model import vocab
from jiuzhu.model.divisions import county_name, place, township_of
from jiuzhu.model.limits import Limits
from jiuzhu.model.redact import one_line
from jiuzhu.io.atomic import atomic_path, save_document
from jiuzhu.io.safe import set_text_cell

CHINA = dt.timezone(dt.timedelta(hours=8), "+08:00")  # a date-time on a form is read in China time
MANIFEST = "forms.toml"
KINDS = {".docx": "docx", ".xlsx": "xlsx"}


class TemplateError(JiuzhuError):
    """A template is missing, unreadable, or its placeholders do not match the data."""


# -- values as templates see them --------------------------------------------------------------


@attrs.frozen
class Money:
    """An amount in fen that prints as yuan with two decimals; ``.capital`` gives 大写."""

    fen: int

    def __str__(self) -> str:
        return yuan(self.fen)

    @property
    def yuan(self) -> str:
        return yuan(self.fen)

    @property
    def grouped(self) -> str:
        return yuan_grouped(self.fen)

    @property
    def capital(self) -> str:
        return capital_yuan(self.fen)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.fen) / 100

    def __bool__(self) -> bool:
        return self.fen != 0


@attrs.frozen
class Day:
    """A date that prints as ISO; ``.zh`` gives 2026年3月2日, ``.y``/``.m``/``.d`` the parts.

    A date-time (an hour deadline such as 入院24小时内) prints in China time with its minute:
    ``2026-03-03 10:30`` and 2026年3月3日10时30分.
    """

    date: dt.date

    def _moment(self) -> dt.datetime | None:
        d = self.date
        if not isinstance(d, dt.datetime):
            return None
        return d.replace(tzinfo=CHINA) if d.tzinfo is None else d.astimezone(CHINA)

    def __str__(self) -> str:
        m = self._moment()
        return m.strftime("%Y-%m-%d %H:%M") if m else self.date.isoformat()

    @property
    def zh(self) -> str:
        m = self._moment()
        d = m or self.date
        day = f"{d.year}年{d.month}月{d.day}日"
        return f"{day}{m.hour}时{m.minute:02d}分" if m else day

    @property
    def y(self) -> int:
        return self.date.year

    @property
    def m(self) -> int:
        return self.date.month

    @property
    def d(self) -> int:
        return self.date.day


class NoDay:
    """A date the case does not have (an outpatient visit's discharge): blank, and so are its parts."""

    zh = y = m = d = ""

    def __str__(self) -> str:
        return ""

    def __bool__(self) -> bool:
        return False


NO_DAY = NoDay()


def _day(d: dt.date | None):
    return Day(d) if d else NO_DAY


class TextList(list):
    """A list that prints as a Chinese enumeration (甲、乙), never as a Python list."""

    def __str__(self) -> str:
        return "、".join(str(x) for x in self)


class Ns:
    """A read-only namespace that knows its dotted path, so a missing name can be reported whole.

    Not a dict on purpose: Jinja looks attributes up before keys, and a dict would answer
    ``bill.items`` with its ``items`` method.
    """

    __slots__ = ("_d", "_path")

    def __init__(self, path: str, d: dict):
        object.__setattr__(self, "_d", {k: wrap(f"{path}.{k}", v) for k, v in d.items()})
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name):
        try:
            return self._d[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self._d[name]

    def __contains__(self, name):
        return name in self._d

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)

    def __bool__(self):
        return bool(self._d)

    def __repr__(self):
        return f"Ns({self._path})"

    def get(self, name, default=None):
        return self._d.get(name, default)

    def keys(self):
        return self._d.keys()


def wrap(path: str, v):
    if isinstance(v, Ns):
        return v
    if isinstance(v, dict):
        return Ns(path, v)
    if isinstance(v, list):
        return TextList(wrap(f"{path}[{i}]", x) for i, x in enumerate(v))
    if isinstance(v, dt.date):
        return Day(v)
    if isinstance(v, UnknownDue):  # a due date no calendar could count: blank for the hand, not "unknown"
        return NO_DAY
    if v is None:  # a value the case does not have prints as a blank, never as "None"
        return ""
    return v


def unwrap(v):
    """A context value as plain Python (for JSON and tests)."""
    if isinstance(v, Ns):
        return {k: unwrap(x) for k, x in v._d.items()}
    if isinstance(v, list):
        return [unwrap(x) for x in v]
    if isinstance(v, (Money, Day, NoDay)):
        return str(v)
    return v


# -- the standard context ----------------------------------------------------------------------


def _contact(c):
    return {"name": c.name, "relation": c.relation} if c else {"name": "", "relation": ""}


def diagnosis_names(episode) -> list[str]:
    """Diagnoses as a clerk writes them: the name the hospital sent, else the seed's name of the
    condition (尿毒症), else the code itself (no name is known for it)."""
    given = episode.diagnosis_names
    out = []
    for i, d in enumerate(episode.diagnoses):
        name = given[i] if i < len(given) else ""
        out.append(name or vocab.CONDITIONS.get(d) or _condition_name(d) or d)
    return out


def _condition_name(code: str) -> str:
    from jiuzhu.model.conditions import tags_for

    tags = tags_for(code)
    return vocab.CONDITIONS.get(tags[0], "") if tags else ""


def _signer(p, sig) -> dict:
    """Who signs, from the outcome's signature plan; ``proxy`` is blank when the person signs
    herself (a form's 代签人/代办人 is for someone else) and everything is blank with no plan."""
    if sig is None:
        return {"role": "", "name": "", "who": "", "proxy": "", "proxy_relation": ""}
    role = ROLES.get(sig.signer_role, sig.signer_role)
    relation = {"guardian": p.guardian.relation if p.guardian else "",
                "caregiver": p.caregiver.relation if p.caregiver else "",
                "agent": next((a.relation for a in p.agents if a.name == sig.signer_name), "")
                if p.agents else ""}.get(sig.signer_role, "") or role
    who = f"{sig.signer_name}（{role}）" if sig.signer_name else role
    own = sig.signer_role == "patient"
    return {"role": role, "name": sig.signer_name, "who": who,
            "proxy": "" if own else sig.signer_name, "proxy_relation": "" if own else relation}


def standard_context(case: Case, outcome: Outcome, need: DocumentNeed | None = None, *,
                     region_names: dict[str, tuple[str, str]] | None = None, document: str = "",
                     number: str = "", today: dt.date | None = None) -> dict:
    """The names every template may use, built from the case and its outcome.

    Amounts are :class:`Money` (print as ``1234.50``; ``.capital`` is 大写), dates :class:`Day`.
    ``region_names`` maps region codes to (Chinese, English) names; ``document`` is the leaf
    region's policy document number.
    """
    p, f, e, b = case.person, case.facility, case.episode, case.bill
    names = region_names or {}
    today = today or dt.date.today()
    born = birth_date(p.id_number)
    agent = p.agents[0] if p.agents else None
    contact = p.caregiver or p.guardian or agent
    st = outcome.settlement
    layers = []
    for l in st.layers:
        layers.append({"id": l.id, "name_zh": l.name_zh, "name_en": l.name_en,
                       "payer": vocab.PAYERS.get(l.payer, l.name_zh), "payer_id": l.payer,
                       # a payer read off the slip was not computed here: no base or rate to print
                       "amount": Money(l.amount), "base": "" if l.given else Money(l.base),
                       "rate": pct(l.rate) if l.rate is not None and not l.given else "",
                       "given": bool(l.given), "cite": str(l.cite or ""), "note_zh": l.note_zh})
    sig = outcome.signature
    data = dict(need.data) if need else {}
    scope = _scope(case)
    insurance = b.basic_paid + b.critical_paid + b.other_paid
    hukou_text = str(data.get("hukou_address") or p.hukou_address)
    # the same code as the hukou and no text of its own: the hukou's address text is the residence's too
    residence_text = str(data.get("residence_address") or p.residence_address
                         or (hukou_text if p.residence in ("", p.hukou) else ""))
    ctx = {
        "case": {"id": case.id or outcome.case_id},
        "person": {
            "name": p.name, "sex": "男" if sex(p.id_number) == "male" else "女", "sex_en": sex(p.id_number),
            "age": age_on(p.id_number, e.admitted), "birth": born, "id_number": p.id_number,
            # names, not codes: county and above from the GB/T 2260 table, below it the address text
            # (a region's form data may carry the address text too)
            "hukou": p.hukou, "hukou_address": place(p.hukou, hukou_text),
            "hukou_county": county_name(p.hukou), "hukou_township": township_of(hukou_text),
            "residence": p.residence or p.hukou,
            "residence_address": place(p.residence or p.hukou, residence_text),
            "residence_township": township_of(residence_text),
            "categories": "、".join(vocab.CATEGORIES.get(c, c) for c in p.categories),
            "support_mode": vocab.SUPPORT_MODES.get(p.support_mode, p.support_mode),
            "support_short": {"institutional": "集中", "home": "散居"}.get(p.support_mode, ""),
            "institution": p.institution, "scheme": vocab.SCHEMES.get(p.scheme, p.scheme),
            "area": vocab.AREAS.get(p.area, p.area), "care_level": vocab.CARE_LEVELS.get(p.care_level, p.care_level),
            "certified_by": p.certified_by, "card_number": p.card_number,
            "village_committee": p.village_committee, "guardian": _contact(p.guardian), "agent": _contact(agent),
            "caregiver": _contact(p.caregiver), "contact": _contact(contact),
            "phone": data.get("phone", ""),
        },
        "facility": {"name": f.name, "level": vocab.FACILITY_LEVELS.get(f.level, f.level),
                     "ownership": vocab.OWNERSHIP.get(f.ownership, f.ownership), "location": f.location},
        "episode": {
            "kind": vocab.EPISODE_KINDS.get(e.kind, e.kind), "admitted": e.admitted, "discharged": _day(e.discharged),
            "days": (e.discharged - e.admitted).days if e.discharged else "",
            "diagnoses": "、".join(diagnosis_names(e)),
            "decision": vocab.DECISION_KINDS.get(e.decision, e.decision), "emergency": e.emergency,
            "scope": scope, "scope_zh": _SCOPES[scope],
            "first_contact": _first(e, "first_contact"), "referral": _first(e, "referral"),
            "in_referral": _step(next((s for s in e.path if s.kind in ("referral", "transfer") and s.to != f.name), None)),
            "out_transfer": _step(next((s for s in reversed(e.path) if s.to == f.name), None)
                                  if scope != "in_county" else None),
        },
        "bill": {k: Money(getattr(b, k)) for k in ("total", "in_scope", "first_self_paid", "over_limit",
                                                  "fully_self_paid", "deductible", "basic_paid", "critical_paid",
                                                  "assistance_paid", "other_paid")}
        | {"out_of_scope": Money(b.out_of_scope), "paid_on_slip": Money(b.paid_on_slip),
           "items": [{"name": it.name, "amount": Money(it.amount), "tags": "、".join(it.tags),
                      "approval": vocab.ITEM_APPROVAL.get(it.approval, it.approval), "consent": it.consent,
                      "filed": it.filed, "proposer": ROLES.get(it.proposer, it.proposer)} for it in b.items],
           "items_total": Money(sum(it.amount for it in b.items))},
        # 医保报销费用 on the Wusheng forms: what basic, critical-illness and other insurance paid.
        "insurance_paid": Money(insurance),
        "insurance_and_assistance_paid": Money(b.paid_on_slip),
        "self_pay": Money(b.total - b.paid_on_slip),
        "layers": {l["id"]: l for l in layers},
        "layers_list": layers,
        "paid": Money(st.paid), "assistance": Money(st.assistance), "burden": Money(st.burden),
        "verdict": {"kind": outcome.referral.kind, "zh": VERDICTS.get(outcome.referral.kind, ("", ""))[0]},
        "eligible": outcome.eligibility.eligible,
        "signature": _signer(p, sig) | {
            "rank": sig.rank if sig and sig.rank else "",
            "rank_zh": SIGNER_RANKS.get(sig.rank, ("", ""))[0] if sig and sig.rank else "",
            "decision": vocab.DECISION_KINDS.get(sig.decision, sig.decision) if sig else "",
            "approvals": "、".join(ROLES.get(a, a) for a in sig.approvals) if sig else "",
        },
        "deadlines": [{"what_zh": d.what_zh, "who": d.who, "to": d.to, "due": d.due, "rule_zh": d.rule_zh}
                      for d in outcome.deadlines],
        "region": {"code": outcome.region, "name_zh": names.get(outcome.region, ("", ""))[0],
                   "name_en": names.get(outcome.region, ("", ""))[1], "document": document,
                   "chain": "、".join(names.get(c, (c, ""))[0] for c in outcome.chain)},
        "doc": {"form_id": need.form_id if need else "", "title_zh": need.title_zh if need else "",
                "title_en": need.title_en if need else "", "who": need.who if need else "",
                "due": need.due if need and need.due else NO_DAY, "cite": str(need.cite or "") if need else "",
                "number": number, "date": today},
        "today": today,
        "data": data,
    }
    ctx["township"] = _township(p, data, ctx["person"])
    return ctx


def _township(p, data: dict, person: dict) -> str:
    """The township (乡镇) that files for the person: the region's choice (``data.township``, a
    9-digit code) or the hukou's, by name from the address text; the code only if no name is known."""
    code = str(data.get("township") or p.hukou[:9])
    if p.residence and p.residence.startswith(code) and person["residence_township"]:
        return person["residence_township"]
    if p.hukou.startswith(code) and person["hukou_township"]:
        return person["hukou_township"]
    return code if len(code) > 6 else ""


_SCOPES = {"in_county": "县域内", "out_county": "县域外（市内）", "out_city": "市外（省内）", "out_province": "省外"}


def _scope(case: Case) -> str:
    loc, home = case.facility.location, case.person.hukou
    if loc[:6] == home[:6]:
        return "in_county"
    if loc[:4] == home[:4]:
        return "out_county"
    return "out_city" if loc[:2] == home[:2] else "out_province"


def _first(e, kind):
    return _step(next((s for s in e.path if s.kind == kind), None))


def _step(s):
    if s is None:
        return {"to": "", "origin": "", "on": NO_DAY}
    return {"to": s.to, "origin": s.origin, "on": _day(s.on)}


def wrap_context(ctx: dict) -> dict:
    return {k: wrap(k, v) for k, v in ctx.items()}


# -- rendering ---------------------------------------------------------------------------------


# Filters and ``str`` methods that build a string whose size an argument sets. One such call can
# allocate gigabytes inside C, where no render-time bound can stop it, so their arguments are
# bounded before the call.
_WIDTH_FILTERS = frozenset({"center", "indent", "batch"})  # an integer argument sets the size
_SIZED_FILTERS = _WIDTH_FILTERS | {"replace", "join", "format"}
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_SIZED_METHODS = _WIDTH_METHODS | {"replace", "join"}
_WIDE = re.compile(r"[0-9]{6,}")  # a width or precision of 100,000 or more inside a format string
_STAR = re.compile(r"%[-+ #0]*\*|\{[^{}]*\{")  # a width taken from the arguments: %*d, {0:{1}}


class Sandbox(ImmutableSandboxedEnvironment):
    """Templates are data from a county office and must never run code: attribute access is
    sandboxed, nothing can be modified, and the only names are the documented context (no
    ``cycler``, ``lipsum`` … globals). Nothing a template builds may exceed :attr:`MAX_SIZE`
    characters (or an integer of :attr:`MAX_BITS` bits): the check comes before the allocation."""

    # ``"x" * 10**9`` would allocate before any time bound could stop it
    intercepted_binops = frozenset({"*", "**", "%"})
    MAX_SIZE = 100_000
    MAX_BITS = 1 << 16  # about 20,000 decimal digits, far beyond any amount

    def __init__(self, *args, max_output: int = 50_000_000, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_output = max_output
        for name in _SIZED_FILTERS & set(self.filters):
            self.filters[name] = self._bounded_filter(name, self.filters[name])

    def concat(self, parts) -> str:
        """Jinja's ``"".join`` of what a template prints, stopped once it passes :attr:`max_output`
        (a loop can print one long value many times without building anything itself)."""
        out, n = [], 0
        for part in parts:
            n += len(part)
            if n > self.max_output:
                raise SecurityError(f"a rendered text longer than {self.max_output:,} characters in a template "
                                    "(raise [limits] template_bytes in jiuzhu.toml)")
            out.append(part)
        return "".join(out)

    def _weight(self, v) -> int:
        """The printed size of ``v``, counted only up to just past :attr:`MAX_SIZE`."""
        if isinstance(v, str):
            return len(v)
        if isinstance(v, (list, tuple)):
            n = len(v)
            for x in v:
                if n > self.MAX_SIZE:
                    break
                n += self._weight(x)
            return n
        return 1

    def _too_big(self, what: str):
        raise SecurityError(f"{what} longer than {self.MAX_SIZE:,} in a template")

    def _check_args(self, args, kwargs) -> None:
        for v in (*args, *kwargs.values()):
            if isinstance(v, tuple):
                self._check_args(v, {})
            elif isinstance(v, int) and not isinstance(v, bool) and abs(v) > self.MAX_SIZE:
                self._too_big("a size argument")

    def _check_format(self, fmt, args=(), kwargs=None) -> None:
        if isinstance(fmt, str) and _WIDE.search(fmt):
            self._too_big("a format width")
        if isinstance(fmt, str) and _STAR.search(fmt):  # only then is an integer argument a width
            self._check_args(args, kwargs or {})

    def _check_build(self, name: str, s, args) -> None:
        """``s.replace(old, new)`` and ``sep.join(seq)``: the size of the result, before building it."""
        if name == "replace" and len(args) >= 2 and isinstance(s, str):
            old, new = str(args[0]), str(args[1])
            grow = (s.count(old) if old else len(s) + 1) * max(len(new) - len(old), 0)
            if len(s) + grow > self.MAX_SIZE:
                self._too_big("a replaced value")
        elif name == "join" and isinstance(s, str) and args:
            seq = args[0]
            n = len(seq) if hasattr(seq, "__len__") else 0
            if n * len(s) + (sum(len(str(x)) for x in seq) if n <= self.MAX_SIZE else n) > self.MAX_SIZE:
                self._too_big("a joined value")

    def _bounded_filter(self, name, f):
        import functools

        skip = 1 if getattr(f, "jinja_pass_arg", None) is not None else 0

        @functools.wraps(f)
        def bounded(*args, **kwargs):
            value, rest = (args[skip] if len(args) > skip else None), args[skip + 1:]
            if name in _WIDTH_FILTERS:
                self._check_args(rest, kwargs)
            elif name == "format":
                self._check_format(value, rest, kwargs)
            elif name == "replace":
                self._check_build("replace", value if isinstance(value, str) else str(value), rest)
            elif name == "join":
                sep = rest[0] if rest else kwargs.get("d", "")
                seq = value if hasattr(value, "__len__") else list(value or ())
                self._check_build("join", str(sep), (seq,))
            return f(*args, **kwargs)
        return bounded

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's own signature)
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name in _WIDTH_METHODS:
            __self._check_args(args, kwargs)
        elif isinstance(owner, str) and name in _SIZED_METHODS:
            __self._check_build(name, owner, args)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        fmt = super().wrap_str_format(value)
        if fmt is None:
            return None
        def bounded(*args, **kwargs):
            self._check_format(value.__self__, args, kwargs)
            return fmt(*args, **kwargs)
        return bounded

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large in a template")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 \
                and left.bit_length() * right > self.MAX_BITS:
            raise SecurityError("a number too large in a template")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and self._weight(seq) * n > self.MAX_SIZE:
                    raise SecurityError(f"a repeated value longer than {self.MAX_SIZE:,} in a template")
            if isinstance(left, int) and isinstance(right, int) \
                    and left.bit_length() + right.bit_length() > self.MAX_BITS:
                raise SecurityError("a number too large in a template")
        if operator == "%" and isinstance(left, str):
            self._check_format(left, right if isinstance(right, tuple) else (right,))
        return super().call_binop(context, operator, left, right)


def _environment(missing: set[str], limits: Limits | None = None) -> jinja2.Environment:
    class Recording(jinja2.ChainableUndefined):
        """Renders as a blank but remembers the name, so all missing names are reported at once."""

        def _unsafe(self):
            if isinstance(self._undefined_exception, type) and issubclass(self._undefined_exception, SecurityError):
                raise SecurityError(self._undefined_hint or "unsafe access")

        def _note(self):
            self._unsafe()
            obj = self._undefined_obj
            base = getattr(obj, "_path", None) if isinstance(obj, Ns) else None
            name = self._undefined_name
            if name is None:
                missing.add(self._undefined_hint or "?")
            else:
                missing.add(f"{base}.{name}" if base else str(name))

        def __str__(self):
            self._note()
            return ""

        def __iter__(self):
            self._note()
            return iter(())

        def __getattr__(self, name):
            if name[:2] == "__":
                self._unsafe()
                raise AttributeError(name)
            self._note()
            return self

        def __getitem__(self, name):
            if isinstance(name, str) and name[:2] == "__":
                self._unsafe()
                raise KeyError(name)
            self._note()
            return self

        def _fail_with_undefined_error(self, *args, **kwargs):
            self._note()
            raise jinja2.UndefinedError(f"{self._undefined_name} is undefined")

    env = Sandbox(undefined=Recording, autoescape=False, keep_trailing_newline=True,
                  max_output=(limits or Limits()).template_bytes)
    env.globals.clear()
    env.filters["yuan"] = lambda v: str(v) if isinstance(v, Money) else yuan(int(v))
    env.filters["capital"] = lambda v: v.capital if isinstance(v, Money) else capital_yuan(int(v))
    return env


class _Budget:
    """Bounds one template: its decompressed size before it is read, its render time while it runs."""

    def __init__(self, template: Path, limits: Limits | None):
        self.template, self.limits = template, limits or Limits()

    def check_size(self):
        import zipfile
        try:
            with zipfile.ZipFile(self.template) as z:
                size = sum(i.file_size for i in z.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise TemplateError(f"template {self.template.name}: not a readable Word/Excel file "
                                f"({type(exc).__name__})") from None
        if size > self.limits.template_bytes:
            raise TemplateError(f"template {self.template.name}: decompresses to {size:,} bytes, more than "
                                f"{self.limits.template_bytes:,} (raise [limits] template_bytes in jiuzhu.toml)")

    def __enter__(self):
        import signal
        import threading
        self._armed = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        if self._armed:
            secs = self.limits.template_seconds

            def expire(_s, _f):
                raise TemplateError(f"template {self.template.name}: rendering took longer than {secs} s "
                                    "(raise [limits] template_seconds in jiuzhu.toml)")
            self._old = signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, secs)
        return self

    def __exit__(self, *exc):
        if self._armed:
            import signal
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old)
        return False


def _template_failure(template: Path, exc: BaseException) -> TemplateError:
    """Any failure inside a county's template as one line naming the template, never its data."""
    if isinstance(exc, TemplateError):
        return exc
    if isinstance(exc, SecurityError):
        return TemplateError(f"template {template.name}: not allowed in a template: {one_line(exc, 160)}")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(f"template {template.name}: syntax error in a placeholder: {one_line(exc.message, 160)}")
    if isinstance(exc, jinja2.TemplateError):
        return TemplateError(f"template {template.name}: placeholder error ({type(exc).__name__})")
    if isinstance(exc, (RecursionError, MemoryError, OverflowError)):
        return TemplateError(f"template {template.name}: too large or too deep to render ({type(exc).__name__})")
    return TemplateError(f"template {template.name}: cannot be rendered ({type(exc).__name__})")


def _check(missing: set[str], template: Path):
    if missing:
        raise TemplateError(f"template {template.name}: placeholders with no value (missing or unknown names): "
                            f"{', '.join(sorted(missing))}")


def render_docx(template: Path, context: dict, out: Path, limits: Limits | None = None) -> Path:
    """Fill a Word template (docxtpl) and save it; raise :class:`TemplateError` on unknown names."""
    from docxtpl import DocxTemplate

    missing: set[str] = set()
    env = _environment(missing, limits)
    budget = _Budget(template, limits)
    budget.check_size()
    try:
        with budget:
            tpl = DocxTemplate(str(template))
            tpl.render(wrap_context(context), jinja_env=env, autoescape=True)
    except jinja2.UndefinedError:
        _check(missing, template)
        raise _template_failure(template, jinja2.TemplateError()) from None
    except Exception as exc:
        raise _template_failure(template, exc) from None
    _check(missing, template)
    save_document(out, tpl.save)
    return out


_EXPR = re.compile(r"^\s*\{\{\s*(.+?)\s*\}\}\s*$", re.S)


def _cell_value(env, text: str, ctx: dict):
    """A cell's value: a lone ``{{ expr }}`` keeps its type (amounts become numbers)."""
    m = _EXPR.match(text)
    if m and "{{" not in m.group(1):
        v = env.compile_expression(m.group(1), undefined_to_none=False)(**ctx)
        if isinstance(v, jinja2.Undefined):
            str(v)
            return None
        if isinstance(v, Money):
            return v.decimal
        if isinstance(v, (Day, NoDay)):
            return str(v)
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return v
        return "" if v is None else str(v)
    return env.from_string(text).render(**ctx)


def fill_sheet(ws, sheet_ctx: dict, rows: list[dict], template: Path,
               limits: Limits | None = None) -> tuple[int, int] | None:
    """Fill one worksheet in place. Returns the (first, last) row numbers of the repeated rows."""
    try:
        with _Budget(template, limits):
            return _fill_sheet(ws, sheet_ctx, rows, template, limits)
    except jinja2.UndefinedError:
        raise _template_failure(template, jinja2.TemplateError()) from None
    except Exception as exc:
        raise _template_failure(template, exc) from None


def _put(cell, value) -> None:
    """A rendered value into a cell: text can never become a formula; amounts stay numbers."""
    if isinstance(value, str):
        set_text_cell(cell, value)
    else:
        cell.value = value


def _fill_sheet(ws, sheet_ctx: dict, rows: list[dict], template: Path,
                limits: Limits | None = None) -> tuple[int, int] | None:
    missing: set[str] = set()
    env = _environment(missing, limits)
    base = wrap_context(sheet_ctx)
    row_idx = None
    for r in ws.iter_rows():
        if any(isinstance(c.value, str) and "row." in c.value and "{{" in c.value for c in r):
            row_idx = r[0].row
            break
    span = None
    if row_idx is not None:
        proto = [(c.column, c.value, copy.copy(c._style)) for c in ws[row_idx]]
        height = ws.row_dimensions[row_idx].height
        n = max(len(rows), 1)
        if n > 1:
            _insert_rows(ws, row_idx + 1, n - 1)
        for i in range(n):
            rr = row_idx + i
            ws.row_dimensions[rr].height = height
            rctx = dict(base)
            if i < len(rows):
                rctx["row"] = wrap("row", rows[i] | {"seq": i + 1})
            for col, val, style in proto:
                cell = ws.cell(rr, col)
                cell._style = copy.copy(style)
                if i >= len(rows):
                    cell.value = None  # an empty sheet keeps one blank row to write in by hand
                elif isinstance(val, str) and "{{" in val:
                    _put(cell, _cell_value(env, val, rctx))
                    if isinstance(cell.value, Decimal):
                        cell.number_format = "0.00"
                else:
                    cell.value = val
        span = (row_idx, row_idx + n - 1)
    for r in ws.iter_rows():
        for c in r:
            if not isinstance(c.value, str) or "{{" not in c.value:
                continue
            if span and span[0] <= c.row <= span[1]:
                continue
            agg = re.fullmatch(r"\s*\{\{\s*(sum|count)\s*\}\}\s*", c.value)
            if agg:
                if span is None:
                    raise TemplateError(f"template {template.name}: {{{{ {agg.group(1)} }}}} in {c.coordinate} "
                                        "but no row template above it")
                col = c.column_letter
                if agg.group(1) == "sum":
                    c.value = f"=SUM({col}{span[0]}:{col}{span[1]})"
                    c.number_format = "0.00"
                else:  # the number of people listed: count the name column
                    c.value = f"=COUNTA(B{span[0]}:B{span[1]})"
            else:
                _put(c, _cell_value(env, c.value, base))
    _check(missing, template)
    return span


def _insert_rows(ws, idx: int, amount: int):
    """Insert rows and move the merged ranges below them (openpyxl leaves those in place)."""
    below = [mr for mr in ws.merged_cells.ranges if mr.min_row >= idx]
    for mr in below:
        ws.merged_cells.remove(mr)
    heights = {r: d.height for r, d in ws.row_dimensions.items() if r >= idx}
    ws.insert_rows(idx, amount)
    for mr in below:
        mr.shift(0, amount)
        ws.merge_cells(mr.coord)
    for r, h in sorted(heights.items(), reverse=True):
        ws.row_dimensions[r + amount].height = h


def render_xlsx(template: Path, sheet_ctx: dict, rows: list[dict], out: Path, limits: Limits | None = None) -> Path:
    wb = _load_xlsx(template, limits)
    for ws in wb.worksheets:
        fill_sheet(ws, sheet_ctx, rows, template, limits)
    save_document(out, wb.save)
    return out


def _load_xlsx(template: Path, limits: Limits | None = None):
    from openpyxl import load_workbook

    _Budget(template, limits).check_size()
    try:
        return load_workbook(template)
    except Exception as exc:
        raise TemplateError(f"template {template.name}: not a readable Excel workbook ({type(exc).__name__})") from None


# -- templates of a region ---------------------------------------------------------------------


@attrs.frozen
class FormSpec:
    """One form of a region's manifest."""

    region: str
    form_id: str
    path: Path
    title_zh: str
    title_en: str = ""
    source: str = ""
    ledger: str = ""  # "" (not a ledger) / any / in_county / out_of_county
    group: str = ""  # one sheet per value: facility.name (per hospital) or township (per 乡镇)
    episodes: tuple[str, ...] = ()  # ledgers: the episode kinds listed (e.g. inpatient); all if empty
    overridden: bool = False

    @property
    def kind(self) -> str:
        return KINDS.get(self.path.suffix.lower(), "")


def region_forms(engine, code: str) -> dict[str, FormSpec]:
    """The forms a region ships, with any ``[templates.REGION]`` override of the deployment applied."""
    region = engine.host.region(code)
    folder = region.call("jiuzhu_templates")
    overrides = engine.deployment.templates.get(code, {})
    specs: dict[str, FormSpec] = {}
    if folder is not None and (Path(folder) / MANIFEST).exists():
        raw = load_toml(Path(folder) / MANIFEST, "templates")
        for fid, t in raw.items():
            specs[fid] = FormSpec(code, fid, Path(folder) / t.get("file", f"{fid}.docx"), t.get("title_zh", fid),
                                  t.get("title_en", ""), t.get("source", ""), t.get("ledger", ""), t.get("group", ""),
                                  tuple(t.get("episodes", ())))
    for fid, path in overrides.items():
        p = Path(path)
        if fid in specs:
            specs[fid] = attrs.evolve(specs[fid], path=p, overridden=True)
        else:
            specs[fid] = FormSpec(code, fid, p, fid, overridden=True)
    for s in specs.values():
        if s.kind == "":
            raise TemplateError(f"templates.{code}.{s.form_id}: expected a .docx or .xlsx file (got {s.path.name})")
        if not s.path.exists():
            where = "jiuzhu.toml [templates." + code + "]" if s.overridden else f"region {code} templates"
            raise TemplateError(f"templates.{code}.{s.form_id}: template file not found: {s.path} (from {where})")
    return specs


def template_for(engine, code: str, form_id: str, chain: tuple[str, ...] = ()) -> FormSpec:
    """The template of ``form_id``: the region's own, else the nearest parent region's."""
    for c in [code, *reversed([x for x in chain if x != code])]:
        forms = region_forms(engine, c)
        if form_id in forms:
            return forms[form_id]
    raise TemplateError(f"form {form_id}: no template in region {code}"
                        + (f" or its parents ({', '.join(chain)})" if len(chain) > 1 else "")
                        + f"; add one or set [templates.{code}] {form_id} = \"path\" in jiuzhu.toml")


def context_for(engine, case: Case, outcome: Outcome, need: DocumentNeed | None, today: dt.date | None = None) -> dict:
    names = {c: (r.info.name_zh, r.info.name_en) for c, r in engine.host.regions.items()}
    info = engine.host.region(outcome.region).info
    # 编号: the case's own number (a form id is an internal name, not for the clerk)
    number = (need.data.get("number") if need else None) or case.id or outcome.case_id or ""
    return standard_context(case, outcome, need, region_names=names, document=info.document.number,
                            number=number, today=today)


def sheet_context(ctx: dict | None, spec: FormSpec, month: str = "", today: dt.date | None = None,
                  group: str = "") -> dict:
    """The ``sheet.*`` names of a tabular sheet: who reports it, when, for which month."""
    data = (ctx or {}).get("data", {})
    facility = group if spec.group == "facility.name" and group else ((ctx or {}).get("facility", {}).get("name", ""))
    township = group if spec.group == "township" and group else (ctx or {}).get("township", "")
    return {"sheet": {"facility": facility, "township": township,
                      "contact": data.get("reporter", ""), "phone": data.get("reporter_phone", ""),
                      "month": month, "filled": today or dt.date.today(), "title_zh": spec.title_zh},
            "region": (ctx or {}).get("region", {}), "today": today or dt.date.today()}


def render_need(engine, case: Case, outcome: Outcome, need: DocumentNeed, out_dir: Path,
                today: dt.date | None = None) -> Path:
    """Write one filled form (.docx or .xlsx) into ``out_dir`` and return its path."""
    spec = template_for(engine, outcome.region, need.form_id, outcome.chain)
    ctx = context_for(engine, case, outcome, need, today)
    stem = safe_name(f"{case.id or outcome.case_id or 'case'}-{need.form_id}")
    limits = getattr(engine.deployment, "limits", None)
    if spec.kind == "docx":
        return render_docx(spec.path, ctx, out_dir / f"{stem}.docx", limits)
    return render_xlsx(spec.path, sheet_context(ctx, spec, today=today) | {k: v for k, v in ctx.items() if k not in ("region", "today")},
                       [ctx], out_dir / f"{stem}.xlsx", limits)


def need_for(spec: FormSpec) -> DocumentNeed:
    """A need for a form no region hook asked for (``--all``, previews)."""
    return DocumentNeed(spec.form_id, spec.title_zh, spec.title_en)


def safe_name(s: str) -> str:
    # no path separators, no leading dot or dash (hidden files, options), bounded length
    return re.sub(r"[^\w.\-]+", "_", s).lstrip(".-")[:120] or "case"


# -- PDF through LibreOffice -------------------------------------------------------------------

INSTALL_HINT = ("install LibreOffice and a CJK font, e.g. on Debian/Ubuntu: apt-get install "
                "libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def cjk_font_installed() -> bool:
    fc = shutil.which("fc-list")
    if not fc:
        return True  # cannot tell (e.g. Windows); LibreOffice brings its own fallback there
    out = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True).stdout
    return bool(out.strip())


def check_converter(fmt: str = "pdf") -> str:
    """The LibreOffice executable, or a one-line error; called before the first form is filled."""
    exe = soffice()
    if exe is None:
        raise JiuzhuError(f"{fmt.upper()} output needs LibreOffice (soffice), which is not installed; {INSTALL_HINT}")
    if not cjk_font_installed():
        raise JiuzhuError(f"{fmt.upper()} output needs a Chinese (CJK) font, none is installed; {INSTALL_HINT}")
    return exe


def convert(path: Path, fmt: str = "pdf", out_dir: Path | None = None, timeout: int | None = None) -> Path:
    """Convert one .docx/.xlsx with LibreOffice; see :func:`convert_many`."""
    return convert_many([path], fmt, out_dir, timeout)[0]


def convert_many(paths, fmt: str = "pdf", out_dir: Path | None = None, timeout: int | None = None) -> list[Path]:
    """Convert many .docx/.xlsx files in one ``soffice --headless --convert-to`` process.

    Starting LibreOffice costs seconds; one process over all files of a case (or of every case)
    pays it once per output folder. ``out_dir`` defaults to each file's own folder. Refuses to
    run without a CJK font rather than produce a PDF with missing Chinese glyphs; a file that
    did not convert is named in the error. LibreOffice writes into a private folder; each result
    is moved into place only when complete, so a failure leaves no partial PDF.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        return []
    exe = check_converter(fmt)
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault(Path(out_dir) if out_dir else p.parent, []).append(p)
    targets = {}
    for folder, files in groups.items():
        for p in files:
            t = folder / f"{p.stem}.{fmt}"
            if t in targets.values():
                raise JiuzhuError(f"two files would convert to the same {t.name} in {folder}")
            targets[p] = t
    for folder, files in groups.items():
        folder.mkdir(parents=True, exist_ok=True)
        limit = timeout or 120 + 15 * len(files)
        # A private profile so that concurrent conversions (and a running office) do not collide.
        with tempfile.TemporaryDirectory(prefix="jiuzhu-lo-") as prof:
            work = Path(prof) / "out"
            cmd = [exe, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless", "--norestore",
                   "--convert-to", fmt, "--outdir", str(work), *map(str, files)]
            try:
                res = subprocess.run(cmd, capture_output=True, text=True, timeout=limit,
                                     env=os.environ | {"HOME": prof})
            except subprocess.TimeoutExpired:
                raise JiuzhuError(f"LibreOffice did not finish converting {len(files)} file(s) within {limit} s") from None
            failed = [p for p in files if not (work / f"{p.stem}.{fmt}").exists()]
            if res.returncode != 0 or failed:
                msg = (res.stderr or res.stdout).strip().splitlines()
                which = failed[0].name if failed else files[0].name
                raise JiuzhuError(f"LibreOffice could not convert {which} to {fmt}: "
                                  f"{one_line(msg[-1], 200) if msg else 'no output'}")
            for p in files:
                with atomic_path(targets[p]) as tmp:
                    shutil.copyfile(work / f"{p.stem}.{fmt}", tmp)
    return [targets[p] for p in paths]
