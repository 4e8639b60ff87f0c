"""``jiuzhu new-region``: generate a standalone, installable region package.

The package registers its region through the ``jiuzhu.regions`` entry-point group, implements
every hook with a working default and the policy questions each hook must answer (``TODO
policy``), ships a parameters file with cited example values, one form template (the application
form, ``templates/application.docx`` with its ``forms.toml``), an example case, case tests with
their expected outcomes, a test that fills the form, the contract kit, and a README. Its tests
pass as generated and its code uses only names that exist (``ruff check --select F``), so a
developer starts from green and replaces the defaults rule by rule (``docs/adding-a-region.md``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from string import Template

from jiuzhu.io.atomic import atomic_dir, write_text
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import make

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
_PREFIX = re.compile(r"^[A-Z]{2,4}$")


def _check(code: str, division: str, parent: str | None, prefix: str, name_zh: str, name_en: str) -> None:
    if not _CODE.match(code):
        raise InputError("code", code, "expected lower-case letters, digits or _, starting with a letter (e.g. moumou)")
    if not (division.isdigit() and len(division) == 6):
        raise InputError("--division", division, "expected a 6-digit GB/T 2260 division code (e.g. 510999)")
    if parent is not None and not _CODE.match(parent):
        raise InputError("--parent", parent, "expected a region code such as guangan")
    if not _PREFIX.match(prefix):
        raise InputError("--rule-prefix", prefix, "expected 2 to 4 capital letters (rule IDs look like MM-PAY-1)")
    if not name_zh.strip():
        raise InputError("--name-zh", None, "expected the region's Chinese name (e.g. 某某县)")
    if not name_en.strip():
        raise InputError("--name-en", None, "expected the region's English name (e.g. Moumou County)")


def scaffold(code: str, name_zh: str, name_en: str, division: str, out: str | Path = ".", parent: str | None = None,
             document: str | None = None, effective: dt.date | None = None, rule_prefix: str | None = None,
             force: bool = False) -> Path:
    """Write the package ``jiuzhu-CODE`` under ``out``; return its folder.

    Refuses to overwrite an existing folder unless ``force``.
    """
    prefix = rule_prefix or re.sub(r"[^A-Z]", "", code.upper())[:2]
    _check(code, division, parent, prefix, name_zh, name_en)
    root = Path(out) / f"jiuzhu-{code.replace('_', '-')}"
    if root.exists() and any(root.iterdir()) and not force:
        raise InputError("--out", str(root), "expected a new folder; it exists and is not empty (use --force to overwrite)")
    effective = effective or dt.date(2024, 1, 1)
    level = "city" if division.endswith("00") else "county"
    home = division[:4] if level == "city" else division
    county = division if level == "county" else division[:4] + "22"
    admitted = max(effective, dt.date(2026, 3, 2))
    values = {
        "code": code, "pkg": f"jiuzhu_{code}", "dist": f"jiuzhu-{code.replace('_', '-')}",
        "name_zh": name_zh, "name_en": name_en, "division": division, "level": level, "home": home,
        "parent": repr(parent), "P": prefix,
        "document": document or f"{name_zh}医疗救助实施办法（文号待填）",
        "effective": effective.isoformat(), "today": dt.date.today().isoformat(),
        "id_number": make(county, dt.date(1951, 6, 18), 31), "hukou": county + "104000", "location": county,
        "admitted": admitted.isoformat(), "discharged": (admitted + dt.timedelta(days=9)).isoformat(),
        "parent_note": f"\nIts parent region is `{parent}`: the parent's layers apply first unless a deployment sets "
                       f"`compose_parents = false`.\n" if parent else "",
    }
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{values['pkg']}/__init__.py": PLUGIN,
        f"{values['pkg']}/parameters.toml": PARAMETERS,
        f"{values['pkg']}/rules.toml": RULES,
        f"{values['pkg']}/templates/README.md": TEMPLATES,
        f"{values['pkg']}/templates/forms.toml": FORMS,
        f"{values['pkg']}/examples/example.toml": EXAMPLE,
        "tests/test_contract.py": TEST_CONTRACT,
        "tests/test_forms.py": TEST_FORMS,
        "tests/examples.case.toml": CASE_TEST,
        "jiuzhu.toml": DEPLOYMENT,
    }
    rendered = {rel: Template(text).substitute(values) for rel, text in files.items()}
    if root.exists() and any(root.iterdir()):
        # --force over an existing package: each file replaced whole, the folder's other files kept
        for rel, text in rendered.items():
            write_text(root / rel, text)
        form_template(root / values["pkg"] / "templates" / "application.docx", "医疗救助申请审批表", APPLICATION_FIELDS)
        return root
    # a new package is built in a sibling folder and moved into place whole: an interrupted run
    # leaves no half package
    with atomic_dir(root) as tmp:
        for rel, text in rendered.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        form_template(tmp / values["pkg"] / "templates" / "application.docx", "医疗救助申请审批表", APPLICATION_FIELDS)
    return root


#: The application form's rows: (label, placeholder over the standard context of jiuzhu.paperwork.forms).
APPLICATION_FIELDS = (
    ("姓名 name", "person.name"), ("身份证号码 ID number", "person.id_number"),
    ("救助对象类别 category", "person.categories"), ("就诊医疗机构 facility", "facility.name"),
    ("入院日期 admitted", "episode.admitted"), ("出院日期 discharged", "episode.discharged"),
    ("医疗费总额 total cost", "bill.total"), ("基本医疗保险支付 basic insurance", "bill.basic_paid"),
    ("医疗救助金额 assistance", "assistance"), ("大写 in words", "assistance.capital"),
    ("个人负担 personal burden", "burden"),
)


def form_template(path: str | Path, title_zh: str, fields) -> Path:
    """Write a simple Word form template: a title and a two-column table, one row per field.

    ``fields`` are ``(label, placeholder)`` pairs; a placeholder is a name of the standard context
    (``person.name``, ``bill.total``, ``assistance.capital`` …, see :mod:`jiuzhu.paperwork.forms`)
    written into the cell as ``{{ name }}``. A county usually lays its form out in Word instead;
    this gives a working start.
    """
    from docx import Document

    doc = Document()
    doc.add_heading("{{ region.name_zh }}" + title_zh, level=1)
    doc.add_paragraph("编号 No. {{ doc.number }}")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, name in fields:
        row = table.add_row().cells
        row[0].text, row[1].text = label, "{{ " + name + " }}"
    doc.add_paragraph("申请人签字 signature: ________    日期 date: {{ today }}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


PYPROJECT = '''\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "$name_zh $name_en: medical assistance (医疗救助) rules for jiuzhu"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["jiuzhu>=0.1"]

[project.optional-dependencies]
test = ["jiuzhu[test]"]

# This table is what makes the region known to jiuzhu: `jiuzhu regions` lists every plugin
# registered in the jiuzhu.regions entry-point group.
[project.entry-points."jiuzhu.regions"]
$code = "$pkg"

[tool.setuptools]
packages = ["$pkg"]

[tool.setuptools.package-data]
"$pkg" = ["*.toml", "templates/*", "examples/*"]


[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-q"
'''

README = '''\
# $dist: $name_zh $name_en

Medical assistance (医疗救助) rules of $name_zh ($name_en, division $division) as a
[jiuzhu](https://pypi.org/project/jiuzhu/) region plugin, registered as `$code`.
$parent_note
Source: $document, in force from $effective.

## Layout

| file | what it holds |
| --- | --- |
| `$pkg/__init__.py` | the hooks: eligibility, referral, signature, reimbursement, documents |
| `$pkg/parameters.toml` | every number, with the date it applies from and the article it comes from |
| `$pkg/rules.toml` | the rule register: every rule ID of the document and its status |
| `$pkg/templates/` | form templates, one file per form id |
| `$pkg/examples/` | example cases |
| `tests/examples.case.toml` | case tests as data: a case and its expected outcome |
| `tests/test_forms.py` | the application form fills from the example case |
| `tests/test_contract.py` | the jiuzhu contract every region passes |

## Use

```console
$$ pip install --no-build-isolation -e .
$$ jiuzhu regions
$$ jiuzhu evaluate $pkg/examples/example.toml --explain
$$ jiuzhu params $code --as-of $effective
$$ jiuzhu check-region $code
$$ python -m pytest
```

Each hook in `$pkg/__init__.py` has a working default and a `TODO policy` list of what the
document must decide. Replace them rule by rule, citing the article each time (`ctx.reason`,
`ctx.cite`), and add a `[[test]]` to `tests/examples.case.toml` for each rule you encode. See
jiuzhu's guide *Adding a region* (`docs/adding-a-region.md`).
'''

PLUGIN = '''\
"""$name_zh $name_en: region plugin for jiuzhu.

Source: $document. The rule register is rules.toml; every number is in parameters.toml.
Each hook has a working default; ``TODO policy`` lists what the document must decide.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu import (DocumentNeed, Eligibility, Layer, Plan, Program, ReferralVerdict, RegionInfo, SignaturePlan,
                    SourceDocument, hookimpl)
from jiuzhu.rules.signature import resolve

HERE = Path(__file__).parent
HOME = "$home"  # hukou codes of the region start with this

INFO = RegionInfo(
    code="$code",
    name_zh="$name_zh",
    name_en="$name_en",
    division="$division",
    parent=$parent,
    level="$level",
    date_basis="admission",  # TODO policy: judged by the rules in force on admission or on settlement (discharge)?
    documents=(
        SourceDocument(
            number="$document",  # TODO policy: the document number (文号)
            title="$document",
            issuer="",  # TODO policy: the issuing bodies
            effective_from=dt.date.fromisoformat("$effective"),  # TODO policy: 施行日期
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
    """Is the person a target of assistance (救助对象)?

    TODO policy:
    - which hardship categories (特困、低保、低保边缘 …), recognised by which body (认定机关);
    - hukou or residence in the region; insured under which scheme (参保);
    - exclusions (e.g. third-party liability, work injury).
    """
    groups = tuple(c for c in case.person.categories if c in ctx.params["target_groups"])
    local = case.person.hukou.startswith(HOME)
    ok = local and bool(groups)
    zh = "户籍在本地且属于救助对象类别" if ok else ("户籍不在本地" if not local else "不属于救助对象类别")
    en = "local hukou and a target category" if ok else ("hukou elsewhere" if not local else "not a target category")
    return Eligibility(ok, groups, (ctx.reason(zh, en, ctx.params.cite("target_groups").article, "$P-ELIG-1"),))


@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    """The care path: is this stay or visit covered, and what must still be filed?

    TODO policy:
    - designated facilities (定点医疗机构) and levels; in-county first contact (县域内首诊);
    - referral approval (转诊审批) and who gives it; emergency admissions and their notice (急诊报备);
    - filings with their deadlines, e.g. ``Deadline("申请", "apply", due=ctx.calendar.add_working_days(
      case.episode.discharged, 15), cite=ctx.cite("第六条", "$P-DOC-1"))`` (import Deadline from jiuzhu);
    - what happens off the path: reduced rate, pay first and claim, or not covered.
    """
    if not eligibility.eligible:
        return ReferralVerdict("not_covered", (ctx.reason("不符合救助对象条件", "not a target of assistance",
                                                          ctx.params.cite("target_groups").article, "$P-ELIG-1"),))
    return ReferralVerdict("covered", (ctx.reason("按规定就医", "care path followed", ctx.params.cite("target_groups").article,
                                                  "$P-REF-1"),))


@hookimpl
def jiuzhu_signature(case, ctx):
    """Who signs for treatment (签字决策顺序).

    TODO policy: does the document set its own order, or the common one (the person → guardian →
    entrusted agent → institution head or village committee)? Who else signs or seals?
    """
    rank, role, name, passed = resolve(case.person)
    return SignaturePlan(role, name, rank, case.episode.decision, passed)


@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    """The payer layers after basic and critical-illness insurance.

    TODO policy:
    - the base: which slip columns count (in-scope only? listed items outside scope?);
    - deductible (起付线), rate by group, facility level or care path, per-claim cap;
    - annual cap (年度救助限额) and the programme it is counted in;
    - residual funds after assistance (e.g. a hardship relief fund), in order.
    """
    if not referral.covered:
        return Plan()
    p = ctx.params
    return Plan((
        Layer("medical_assistance", "医疗救助", "medical assistance", payer="medical_assistance",
              base="in_scope - deductible - basic_paid - critical_paid", rate=p["assistance_rate"],
              annual_cap=p["annual_cap"], program="medical_assistance", cite=p.cite("assistance_rate")),
    ))


@hookimpl
def jiuzhu_programs():
    """The programmes the annual caps count in (the keys of history.ytd, `jiuzhu programs $code`).

    TODO policy: one programme per annual cap the document sets, with the layers that count in it.
    """
    return [Program("medical_assistance", "医疗救助", "medical assistance", ("medical_assistance",))]


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    """The forms this case needs, with the data that fills them (templates/ID.docx).

    TODO policy: the application and approval form (申请审批表), who fills it, by when.
    """
    if not outcome.settlement.assistance:
        return []
    return [DocumentNeed("application", "医疗救助申请审批表", "medical assistance application form", who="本人或代理人",
                         data={"assistance_fen": outcome.settlement.assistance},
                         cite=ctx.cite(ctx.params.cite("assistance_rate").article, "$P-DOC-1"))]
'''

PARAMETERS = '''\
# Dated parameters of $name_zh $name_en. Every value has the date it applies from and the
# article it comes from (article = ..., rule = ...). `jiuzhu params $code` lists what is in force.
# TODO policy: replace these example values with the document's own, citing each article.

[target_groups]
label = "救助对象类别 / target groups"
unit = "list"
rule = "$P-ELIG-1"
[[target_groups.values]]
from = $effective
value = ["extreme_poverty", "dibao"]
article = "第二条"

[assistance_rate]
label = "住院救助比例 / assistance rate"
unit = "rate"
rule = "$P-PAY-1"
[[assistance_rate.values]]
from = $effective
value = "0.7"
article = "第四条"

[annual_cap]
label = "年度救助限额 / annual assistance cap"
unit = "yuan"
rule = "$P-PAY-2"
[[annual_cap.values]]
from = $effective
value = "10000"
article = "第四条"
'''

RULES = '''\
# Rule register of $code: every rule of the document, its status and, for duties, why nothing is computed.
# status: implemented (tested by a test marked with the ID) / duty / info / todo

[[rule]]
id = "$P-ELIG-1"
statement = "Targets: local hukou and a listed hardship category"
status = "implemented"

[[rule]]
id = "$P-REF-1"
statement = "Care path: designated facilities"
status = "todo"

[[rule]]
id = "$P-PAY-1"
statement = "Assistance pays a rate of the in-scope cost left after insurance"
status = "implemented"

[[rule]]
id = "$P-PAY-2"
statement = "Annual assistance cap"
status = "implemented"

[[rule]]
id = "$P-DOC-1"
statement = "Application and approval form"
status = "implemented"
'''

TEMPLATES = '''\
# Form templates of $name_zh

One Word (.docx) or Excel (.xlsx) file per form id that `jiuzhu_documents` returns, named in
`forms.toml`: `application.docx` is the form id `application`. Placeholders such as
`{{ person.name }}` or `{{ assistance.capital }}` are filled from the case and its outcome (see
jiuzhu.paperwork.forms). `jiuzhu forms CASE --out DIR` fills them. A deployment can point a form
at its own edited copy in jiuzhu.toml:

    [templates.$code]
    application = "forms/application.docx"
'''

FORMS = '''\
# Forms of $name_zh: form id -> template file, titles, where the document gives the form.
[application]
file = "application.docx"
title_zh = "医疗救助申请审批表"
title_en = "Medical assistance application and approval form"
source = ""  # TODO policy: the article or annex that gives the form
'''

EXAMPLE = '''\
# $name_zh: an example inpatient stay (synthetic person).
id = "$P-EX-001"
region = "$code"

[person]
name = "示例"
id_number = "$id_number"
hukou = "$hukou"
categories = ["dibao"]
scheme = "residents"

[facility]
name = "$name_zh人民医院"
level = "county"
designations = ["insurance", "assistance"]
location = "$location"

[episode]
kind = "inpatient"
admitted = $admitted
discharged = $discharged

[bill]                   # the insurance settlement slip (医保结算单), yuan
total = "10000.00"
in_scope = "9000.00"
first_self_paid = "300.00"
over_limit = "200.00"
fully_self_paid = "500.00"
deductible = "500.00"
basic_paid = "5100.00"
'''

CASE_TEST = '''\
# Case tests as data: each [[test]] is a case and the outcome the policy expects.

[[test]]
name = "example stay: assistance pays 70% of what insurance left in scope"
case = "../$pkg/examples/example.toml"
region = "$code"
config = { compose_parents = false }
rules = ["$P-ELIG-1", "$P-PAY-1"]
[test.expect]
eligible = true
verdict = "covered"
# (9000 in scope − 500 deductible − 5100 basic insurance) × 70% = 2380
layers = { basic_insurance = "5100.00", medical_assistance = "2380.00" }
burden = "2520.00"
signer = "patient"
cited_rules = ["$P-ELIG-1", "$P-PAY-1"]

[[test]]
name = "annual cap: 9000 already paid this year leaves 1000"
input = { person = { id_number = "$id_number", hukou = "$hukou", categories = ["dibao"] }, facility = { name = "$name_zh人民医院", level = "county", location = "$location" }, episode = { kind = "inpatient", admitted = $admitted }, bill = { total = "10000", in_scope = "10000" }, history = { ytd = { medical_assistance = "9000" } } }
region = "$code"
config = { compose_parents = false }
rules = ["$P-PAY-2"]
[test.expect]
layers = { medical_assistance = "1000.00" }
burden = "9000.00"

[[test]]
name = "hukou elsewhere: not a target"
input = { person = { id_number = "$id_number", hukou = "110101", categories = ["dibao"] }, facility = { name = "$name_zh人民医院", level = "county", location = "$location" }, episode = { kind = "inpatient", admitted = $admitted }, bill = { total = "1000", in_scope = "1000" } }
region = "$code"
config = { compose_parents = false }
[test.expect]
eligible = false
verdict = "not_covered"
burden = "1000.00"
'''

TEST_FORMS = '''\
"""The application form (templates/application.docx) fills from the example case."""

from pathlib import Path

import pytest
from docx import Document

from jiuzhu.io.config import parse_config
from jiuzhu.io.loader import load_case
from jiuzhu.paperwork.forms import render_need
from jiuzhu.rules.engine import Engine

EXAMPLE = Path(__file__).parents[1] / "$pkg" / "examples" / "example.toml"


@pytest.mark.rule("$P-DOC-1")
def test_application_form_fills(tmp_path):
    engine = Engine(deployment=parse_config({"compose_parents": False}))
    case = load_case(EXAMPLE)
    outcome = engine.evaluate(case, "$code")
    need = next(d for d in outcome.documents if d.form_id == "application")
    path = render_need(engine, case, outcome, need, tmp_path)
    cells = [c.text for t in Document(str(path)).tables for row in t.rows for c in row.cells]
    assert "示例" in cells and "$id_number" in cells
    # (9000 in scope − 500 deductible − 5100 basic insurance) × 70% = 2380
    assert "2380.00" in cells and "贰仟叁佰捌拾元整" in cells
'''

TEST_CONTRACT = '''\
"""The jiuzhu region contract: hooks, cited parameters, citations, money invariants on random cases."""

from jiuzhu.kit.contract import RegionContract


class TestContract(RegionContract):
    region_code = "$code"
'''

DEPLOYMENT = '''\
# An example deployment (jiuzhu.toml): the active region and any deployment parameters.
region = "$code"
'''
