"""Reforms (政策调整测算): the same claims under the rules as they are and as a proposal would make them.

A reform is a set of parameter overrides (``--set REGION.PARAM[@DATE]=VALUE`` or a TOML file) with a
name, a description and the citations of the proposal::

    name = "抚顺住院救助封顶线提高到 8000 元"
    description = "Raise Fushun's inpatient annual cap from 5,000 to 8,000 yuan."
    citations = ["某某县医疗保障局 2026 年提案 第 3 条"]

    [parameters.fushun]
    inpatient_annual_cap = "8000"
    # or, from a date on (earlier values stay):
    # inpatient_annual_cap = [{from = 2026-07-01, value = "8000"}]

Both runs use the columnar batch path (:func:`jiuzhu.analysis.claims.evaluate_partition`), which
agrees to the fen with :meth:`Engine.evaluate` claim by claim. The whole claims file is held in memory
(a year of one county's claims; all of a person's claims are needed together for annual caps).

Outputs, money in integer fen:

- one row per claim: its total cost, baseline and reform assistance and burden, the difference, the verdicts;
- totals per fund (the payer, with the region's own cited name for it: :mod:`jiuzhu.analysis.funds`)
  and per programme (each assistance layer, 门诊救助 / 住院救助 / 重特大疾病救助 …), and their change;
- persons better off (their personal burden over all their claims given falls: a person's year when the
  claims are a year's), worse off (rises) and unchanged;
- the change by category (the person's first category), by facility level and by *burden decile*
  (deciles of the claims' baseline personal burden: claims sorted by burden, ties by input order,
  the i-th of n in decile ⌊10·i/n⌋ + 1).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.io.config import parse_set, with_overrides
from jiuzhu.model.errors import InputError
from jiuzhu.model.tomlio import load_toml

REFORM_KEYS = {"name", "description", "citations", "parameters"}


@attrs.frozen
class Reform:
    name: str
    overrides: tuple  # (region, parameter, start date or None, value)
    description: str = ""
    citations: tuple[str, ...] = ()
    source: str = "--set"

    def apply(self, engine):
        """The engine under this reform (checked like jiuzhu.toml)."""
        return with_overrides(engine, self.overrides, self.source)


def reform_from_sets(specs, name: str | None = None) -> Reform:
    over = tuple(parse_set(s) for s in specs)
    if not over:
        raise InputError("--set", None, "expected at least one REGION.PARAM=VALUE (or a --reform file)")
    return Reform(name or "; ".join(specs), over)


def load_reform(path: str | Path) -> Reform:
    """A reform file, read strictly: unknown keys name the valid ones."""
    p = Path(path)
    raw = load_toml(p, "reform")
    extra = sorted(set(raw) - REFORM_KEYS)
    if extra:
        raise InputError(f"reform {extra[0]}", None, f"unknown key; valid: {', '.join(sorted(REFORM_KEYS))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError("reform name", name, "expected the reform's name (text)")
    desc = raw.get("description", "")
    cites = raw.get("citations", [])
    if not isinstance(desc, str):
        raise InputError("reform description", desc, "expected text")
    if not isinstance(cites, list) or not all(isinstance(c, str) for c in cites):
        raise InputError("reform citations", cites, "expected a list of texts citing the proposal")
    params = raw.get("parameters")
    if not isinstance(params, dict) or not params:
        raise InputError("reform parameters", None, "expected [parameters.REGION] tables with the overrides")
    over = []
    for region, table in params.items():
        if not isinstance(table, dict):
            raise InputError(f"reform parameters.{region}", table, "expected a table of parameter = value")
        for pname, v in table.items():
            if isinstance(v, list) and v and all(isinstance(s, dict) for s in v):
                for i, s in enumerate(v):
                    extra = sorted(set(s) - {"from", "value"})
                    if extra or "from" not in s or "value" not in s:
                        raise InputError(f"reform parameters.{region}.{pname}[{i}]", None,
                                         "expected a table with from (a date) and value")
                    start = s["from"]
                    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
                        raise InputError(f"reform parameters.{region}.{pname}[{i}].from", start,
                                         "expected a date YYYY-MM-DD")
                    over.append((region, pname, start, s["value"]))
            else:
                over.append((region, pname, None, v))
    return Reform(name.strip(), tuple(over), desc, tuple(cites), f"reform {p.name}:")


# -- running ---------------------------------------------------------------------------------------


@attrs.frozen
class ReformResult:
    region: str
    reform: Reform
    claims: pa.Table  # one row per claim
    summary: dict


def _col(table: pa.Table, name: str, n: int) -> np.ndarray:
    if name not in table.column_names:
        return np.full(n, "", dtype=object)
    return np.array(table.column(name).combine_chunks().to_pylist(), dtype=object)


def deciles(values: np.ndarray) -> np.ndarray:
    """Decile 1..10 of each value: sorted ascending (ties by position), the i-th of n in ⌊10·i/n⌋ + 1."""
    n = len(values)
    order = np.argsort(values, kind="stable")
    dec = np.empty(n, dtype=np.int64)
    dec[order] = np.arange(n) * 10 // max(n, 1) + 1
    return dec


def _group(keys: np.ndarray, base: np.ndarray, new: np.ndarray, order=None) -> list[dict]:
    rows = []
    for k in (order if order is not None else sorted({str(x) for x in keys})):
        m = keys == k
        if not m.any():
            continue
        d = new[m] - base[m]
        rows.append({"group": str(k), "claims": int(m.sum()), "changed": int((d != 0).sum()),
                     "baseline_fen": int(base[m].sum()), "reform_fen": int(new[m].sum()), "change_fen": int(d.sum())})
    return rows


def run_reform(engine, table: pa.Table, region: str, reform: Reform, rehome: bool = True,
               as_of: dt.date | None = None) -> ReformResult:
    """Baseline and reform over the same normalised claims ``table`` (see :func:`read_claims`)."""
    from jiuzhu.analysis.claims import evaluate_partition
    from jiuzhu.analysis.funds import fund_label
    chain = [r.code for r in engine.chain(region)]
    outside = sorted({g for g, *_ in reform.overrides} - set(chain))
    if outside:  # a misspelt prefix would otherwise report "no change" as if it were a result
        raise InputError("reform", ", ".join(outside),
                         f"expected overrides of {region} or its parents ({', '.join(chain)})")
    reformed = reform.apply(engine)
    runs = {}
    for label, eng in (("baseline", engine), ("reform", reformed)):
        res, tots, _ = evaluate_partition(eng, table, [region], rehome, as_of)
        t = tots[region]
        if "error" in t:
            raise InputError(f"{label} {region}", None, t["error"])
        runs[label] = (res[0], t)
    (b, bt), (r, rt) = runs["baseline"], runs["reform"]
    n = table.num_rows
    ba, ra = b.column("assistance_fen").to_numpy(), r.column("assistance_fen").to_numpy()
    bb, rb = b.column("burden_fen").to_numpy(), r.column("burden_fen").to_numpy()
    cat = np.array([str(c).split(";")[0] for c in _col(table, "person.categories", n)], dtype=object)
    level = _col(table, "facility.level", n)
    dec = deciles(bb)
    claims = pa.table({
        "claim_id": table.column("claim_id"),
        "category": pa.array(cat.tolist(), pa.string()),
        "facility_level": pa.array([str(x) for x in level], pa.string()),
        "burden_decile": pa.array(dec),
        "total_fen": table.column("bill.total_fen"),  # what jiuzhu report --claims checks the claims against
        "baseline_verdict": b.column("verdict").cast(pa.string()),
        "reform_verdict": r.column("verdict").cast(pa.string()),
        "baseline_assistance_fen": pa.array(ba), "reform_assistance_fen": pa.array(ra),
        "assistance_change_fen": pa.array(ra - ba),
        "baseline_burden_fen": pa.array(bb), "reform_burden_fen": pa.array(rb),
        "burden_change_fen": pa.array(rb - bb),
    })
    person = pc.dictionary_encode(table.column("person.id_number").combine_chunks()).indices.to_numpy()
    per = np.zeros(int(person.max(initial=-1)) + 1, dtype=np.int64)
    np.add.at(per, person, rb - bb)
    funds = sorted(set(bt["funds"]) | set(rt["funds"]))
    labels = {**bt.get("fund_labels", {}), **rt.get("fund_labels", {})}
    layer_labels = {**bt.get("layer_labels", {}), **rt.get("layer_labels", {})}

    def layer_sum(res, lid):
        c = f"layer.{lid}_fen"
        return int(pc.sum(res.column(c)).as_py() or 0) if c in res.column_names else 0
    summary = {
        "region": region, "reform": reform.name, "description": reform.description,
        "citations": list(reform.citations),
        "overrides": [f"{g}.{p}{'@' + s.isoformat() if s else ''}={v}" for g, p, s, v in reform.overrides],
        "claims": n, "persons": len(per),
        "persons_better_off": int((per < 0).sum()), "persons_worse_off": int((per > 0).sum()),
        "persons_unchanged": int((per == 0).sum()),
        "claims_changed": int((ra != ba).sum()),
        "covered": {"baseline": bt["covered"], "reform": rt["covered"]},
        "assistance": {"baseline": int(ba.sum()), "reform": int(ra.sum()), "change": int((ra - ba).sum())},
        "burden": {"baseline": int(bb.sum()), "reform": int(rb.sum()), "change": int((rb - bb).sum())},
        "funds": [{"fund": f, "zh": labels.get(f, (f, f))[0], "en": labels.get(f, (f, f))[1],
                   "citation": fund_label(engine, region, f)[2],
                   "baseline": bt["funds"].get(f, 0), "reform": rt["funds"].get(f, 0),
                   "change": rt["funds"].get(f, 0) - bt["funds"].get(f, 0)} for f in funds],
        # programmes (救助项目): each assistance layer with its own label and the fund it pays from
        "programs": [{"program": lid, "zh": zh, "en": en, "fund": fund,
                      "baseline": layer_sum(b, lid), "reform": layer_sum(r, lid),
                      "change": layer_sum(r, lid) - layer_sum(b, lid)}
                     for lid, (zh, en, fund) in layer_labels.items()],
        "by_category": _group(cat, ba, ra),
        "by_facility_level": _group(level, ba, ra, [x for x in ("primary", "township", "county", "city", "provincial")
                                                    if x in set(level)] + sorted(set(map(str, level)) - {
            "primary", "township", "county", "city", "provincial"})),
        "by_burden_decile": _group(dec, ba, ra, list(range(1, 11))),
    }
    return ReformResult(region, reform, claims, summary)


# -- output ---------------------------------------------------------------------------------------

FORMATS = ("text", "json", "csv", "markdown")
DIST = (("by_category", "类别 category"), ("by_facility_level", "机构级别 facility level"),
        ("by_burden_decile", "负担十分位 burden decile"))


def _y(fen: int, signed: bool = False) -> str:
    from jiuzhu.model.money import yuan_grouped
    s = yuan_grouped(fen)
    return ("+" + s) if signed and fen > 0 else s


def render(summary: dict, fmt: str = "text") -> str:
    """The summary for people: text, JSON, CSV (one row per table line) or Markdown. Money in yuan."""
    if fmt not in FORMATS:
        raise InputError("--format", fmt, f"expected one of {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps(summary, ensure_ascii=False, indent=2)
    from jiuzhu.model.money import yuan
    s = summary
    if fmt == "csv":
        import csv
        import io
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["table", "group", "claims", "changed", "baseline_yuan", "reform_yuan", "change_yuan"])
        a = s["assistance"]
        w.writerow(["total", "assistance", s["claims"], s["claims_changed"], yuan(a["baseline"]), yuan(a["reform"]),
                    yuan(a["change"])])
        for f in s["funds"]:
            w.writerow(["fund", f["fund"], "", "", yuan(f["baseline"]), yuan(f["reform"]), yuan(f["change"])])
        for g in s.get("programs", []):
            w.writerow(["program", g["program"], "", "", yuan(g["baseline"]), yuan(g["reform"]), yuan(g["change"])])
        for key, _ in DIST:
            for g in s[key]:
                w.writerow([key[3:], g["group"], g["claims"], g["changed"], yuan(g["baseline_fen"]),
                            yuan(g["reform_fen"]), yuan(g["change_fen"])])
        w.writerow(["persons", "better_off", s["persons_better_off"], "", "", "", ""])
        w.writerow(["persons", "worse_off", s["persons_worse_off"], "", "", "", ""])
        w.writerow(["persons", "unchanged", s["persons_unchanged"], "", "", "", ""])
        return buf.getvalue()
    md = fmt == "markdown"
    a = s["assistance"]
    head = [
        f"{'# ' if md else ''}改革测算 reform: {s['reform']} — {s['region']}",
        f"调整 overrides: {', '.join(s['overrides'])}" + (f"；依据 citations: {'; '.join(s['citations'])}"
                                                         if s["citations"] else ""),
        f"理赔 claims: {s['claims']:,}（变化 changed {s['claims_changed']:,}）  人数 persons: {s['persons']:,}",
        f"救助支出 assistance: {_y(a['baseline'])} → {_y(a['reform'])} 元，变化 cost change {_y(a['change'], True)} 元",
        f"个人负担 burden: {_y(s['burden']['baseline'])} → {_y(s['burden']['reform'])} 元",
        f"受益 better off: {s['persons_better_off']:,} 人  受损 worse off: {s['persons_worse_off']:,} 人  "
        f"不变 unchanged: {s['persons_unchanged']:,} 人",
    ]
    lines = [("- " + h if md and i else h) for i, h in enumerate(head)]
    cols = ["理赔 claims", "变化 changed", "基线 baseline (元)", "改革 reform (元)", "变化 change (元)"]

    def table(title, rows):
        if md:
            out = ["", f"**{title}**", "", "| 组 group | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
            out += [f"| {r[0]} | " + " | ".join(map(str, r[1:])) + " |" for r in rows]
            return out
        w = max([len(str(r[0])) for r in rows] + [8])
        out = ["", title, f"  {'组 group':<{w}}  " + "  ".join(f"{c:>16}" for c in cols)]
        out += [f"  {str(r[0]):<{w}}  " + "  ".join(f"{str(x):>16}" for x in r[1:]) for r in rows]
        return out

    lines += table("按基金 by fund", [(f"{f['zh']} {f['fund']}", "", "", _y(f["baseline"]), _y(f["reform"]),
                                      _y(f["change"], True)) for f in s["funds"]])
    lines += table("按救助项目 by programme", [(f"{g['zh']} {g['program']}", "", "", _y(g["baseline"]),
                                               _y(g["reform"]), _y(g["change"], True)) for g in s.get("programs", [])])
    for key, title in DIST:
        lines += table(f"按{title}", [(g["group"], f"{g['claims']:,}", f"{g['changed']:,}", _y(g["baseline_fen"]),
                                       _y(g["reform_fen"]), _y(g["change_fen"], True)) for g in s[key]])
    return "\n".join(lines) + "\n"


def chart(summary: dict, path: Path) -> Path:
    """Bar charts of the change in assistance by category, facility level and burden decile (PNG)."""
    import warnings
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from jiuzhu.analysis.sweep import cjk_font
    from jiuzhu.io.atomic import atomic_path
    font = cjk_font()
    if font:
        plt.rcParams["font.family"] = ["sans-serif"]
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    lab = (lambda zh, en: f"{zh} {en}") if font else (lambda zh, en: en)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    for ax, (key, _), (zh, en) in zip(axes, DIST, (("类别", "category"), ("机构级别", "facility level"),
                                                     ("负担十分位", "burden decile"))):
        rows = summary[key]
        ax.bar([r["group"] for r in rows], [r["change_fen"] / 100 for r in rows], color="#c0392b")
        ax.set_title(lab(f"按{zh}", f"by {en}"))
        ax.set_ylabel(lab("救助变化（元）", "change in assistance (yuan)"))
        ax.tick_params(axis="x", rotation=30)
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(lab("改革测算", "reform:") + f" {summary['reform']} — {summary['region']}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)
        fig.tight_layout(rect=(0, 0, 1, 0.94))
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


def write_reform(result: ReformResult, out: Path) -> list[Path]:
    """``out``/reform_claims.parquet and .csv (yuan), summary.json and reform.png, each written atomically."""
    import pyarrow.parquet as pq
    from jiuzhu.analysis.claims import write_table
    from jiuzhu.io.atomic import atomic_path, write_text
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "reform_claims.parquet", out / "reform_claims.csv", out / "summary.json", out / "reform.png"]
    with atomic_path(paths[0]) as tmp:
        pq.write_table(result.claims, tmp)
    write_table(result.claims, paths[1], csv_yuan=True)
    write_text(paths[2], json.dumps(result.summary, ensure_ascii=False, indent=2))
    chart(result.summary, paths[3])
    return paths
