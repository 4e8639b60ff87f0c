"""A sweep (参数扫描): one case evaluated over a range of one input, per region, as CSV and a chart.

``--vary bill.total=0:200000:1000`` (yuan, stop included) scales the whole bill: every part of
the slip keeps its share of the total, so the bill stays consistent (total = in-scope + the
out-of-scope parts; payers never exceed the total). Other bill fields (``bill.basic_paid`` …)
and ``history.ytd.PROGRAMME`` are set as given. Each point is evaluated with
:meth:`jiuzhu.rules.engine.Engine.evaluate`; a region that cannot evaluate the case is left out of
the chart and named in the CSV.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import attrs

from jiuzhu.io.atomic import atomic_open, atomic_path
from jiuzhu.io.safe import csv_field, one_line

from jiuzhu.analysis.compare import rehome
from jiuzhu.rules.engine import Engine
from jiuzhu.model.errors import InputError, JiuzhuError
from jiuzhu.model.case import Case
from jiuzhu.model.money import to_fen, yuan

BILL_PARTS = ("in_scope", "first_self_paid", "over_limit", "fully_self_paid", "deductible", "basic_paid",
              "critical_paid", "assistance_paid", "other_paid")
MAX_POINTS = 5000


def parse_vary(spec: str) -> tuple[str, list[int]]:
    """'bill.total=0:200000:1000' -> ('bill.total', [0, 100000, …, 20000000]) in fen, stop included."""
    try:
        field, rng = spec.split("=", 1)
        start, stop, step = (to_fen(x.strip(), "--vary") for x in rng.split(":"))
    except (ValueError, InputError):
        raise InputError("--vary", spec, "expected FIELD=START:STOP:STEP in yuan, e.g. bill.total=0:200000:1000") from None
    field = field.strip()
    ok = field == "bill.total" or (field.startswith("bill.") and field[5:] in BILL_PARTS) or \
        field.startswith("history.ytd.")
    if not ok:
        raise InputError("--vary", field, "expected bill.total, bill.FIELD or history.ytd.PROGRAMME")
    if step <= 0 or stop < start:
        raise InputError("--vary", spec, "expected a positive step and STOP ≥ START")
    n = (stop - start) // step + 1
    if n > MAX_POINTS:
        raise InputError("--vary", spec, f"expected at most {MAX_POINTS} points (got {n}); use a larger step")
    return field, [start + i * step for i in range(n)]


def vary(case: Case, field: str, value: int) -> Case:
    """The case with ``field`` set to ``value`` fen (the whole bill scaled for ``bill.total``)."""
    b = case.bill
    if field == "bill.total":
        if b.total == 0:
            return attrs.evolve(case, bill=attrs.evolve(b, total=value, in_scope=value))
        # scale each part, rounding down, and give the remainder to in-scope cost
        parts = {k: getattr(b, k) * value // b.total for k in BILL_PARTS if k != "in_scope"}
        parts["in_scope"] = value - parts["first_self_paid"] - parts["over_limit"] - parts["fully_self_paid"]
        parts["deductible"] = min(parts["deductible"], parts["in_scope"])
        return attrs.evolve(case, bill=attrs.evolve(b, total=value, **parts))
    if field.startswith("bill."):
        new = attrs.evolve(b, **{field[5:]: value})
        if new.in_scope + new.out_of_scope != new.total or new.paid_on_slip > new.total:
            raise InputError("--vary", field, "a value that keeps the bill consistent; vary bill.total instead")
        return attrs.evolve(case, bill=new)
    prog = field[len("history.ytd."):]
    return attrs.evolve(case, history=attrs.evolve(case.history, ytd={**case.history.ytd, prog: value}))


def run_sweep(engine: Engine, case: Case, field: str, values: list[int], regions: list[str], out: Path,
              as_is: bool = False) -> list[Path]:
    """Evaluate, write ``sweep.csv``, ``sweep.png`` and ``sweep.svg`` in ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    series: dict[str, dict[str, list[int]]] = {}
    errors: dict[str, str] = {}
    names = {}
    for code in regions:
        info = engine.host.region(code).info
        names[code] = info.name_zh
        base = case if as_is else rehome(case, info.division)
        try:
            outs = [engine.evaluate(vary(base, field, v), code, documents=False) for v in values]
        except JiuzhuError as exc:
            errors[code] = str(exc)
            continue
        series[code] = {"assistance": [o.settlement.assistance for o in outs],
                        "burden": [o.settlement.burden for o in outs]}
    csv_path = out / "sweep.csv"
    with atomic_open(csv_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([field, "region", "assistance", "burden", "error"])
        for code in regions:
            if code in errors:
                w.writerow(["", code, "", "", csv_field(one_line(errors[code]))])
                continue
            for v, a, b in zip(values, series[code]["assistance"], series[code]["burden"]):
                w.writerow([yuan(v), code, yuan(a), yuan(b), ""])
    paths = [csv_path]
    paths += chart(field, values, series, names, errors, out / "sweep")
    return paths


def cjk_font() -> str | None:
    """A font family that renders Chinese, found through matplotlib's font manager, or None."""
    from matplotlib import font_manager
    wanted = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
              "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Serif CJK SC", "AR PL UMing CN")
    have = {f.name for f in font_manager.fontManager.ttflist}
    for name in wanted:
        if name in have:
            return name
    return None


def chart(field: str, values: list[int], series: dict, names: dict, errors: dict, stem: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    font = cjk_font()
    if font:
        plt.rcParams["font.family"] = ["sans-serif"]
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    else:
        warnings.warn("no CJK font found (install fonts-noto-cjk); Chinese region names may not render", stacklevel=2)
    plt.rcParams["axes.unicode_minus"] = False
    x = [v / 100 for v in values]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), sharex=True)
    styles = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]  # coinciding regions stay distinguishable
    for i, (code, s) in enumerate(series.items()):
        kw = dict(label=f"{names[code]} {code}", linewidth=2.4 - 0.3 * (i % 5), linestyle=styles[i % len(styles)])
        ax1.plot(x, [b / 100 for b in s["burden"]], **kw)
        ax2.plot(x, [a / 100 for a in s["assistance"]], **kw)
    xl = {"bill.total": "医疗费总额 total cost"}.get(field, field) + "（元 yuan）"
    ax1.set_title("个人负担 personal burden")
    ax2.set_title("救助金额 assistance")
    for ax in (ax1, ax2):
        ax.set_xlabel(xl)
        ax.set_ylabel("元 yuan")
        ax.grid(True, alpha=0.3)
        ax.ticklabel_format(style="plain", axis="both")
    ax1.legend(title="地区 region", fontsize=9)
    ax2.legend(title="地区 region", fontsize=9)
    if errors:
        fig.text(0.01, 0.01, "未绘出 not shown: " + "; ".join(f"{names.get(c, c)} {c} (参数缺失/错误 error)" for c in errors),
                 fontsize=8, color="gray")
    fig.suptitle(f"各地区比较 comparison across regions: {field}")
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    paths = []
    for ext in ("png", "svg"):
        p = stem.with_suffix(f".{ext}")
        with atomic_path(p) as tmp:
            fig.savefig(tmp, dpi=120, format=ext)
        paths.append(p)
    plt.close(fig)
    return paths
