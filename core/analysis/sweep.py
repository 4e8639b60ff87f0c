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


CJK_WANTED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
              "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN")
FONT_HINT = ("no Chinese (CJK) font found; the chart is labelled in English only. "
             "Install one, e.g. on Debian/Ubuntu: apt-get install fonts-noto-cjk")


def cjk_font() -> str | None:
    """A font family that renders Simplified Chinese, or None.

    matplotlib's font list is cached: a font installed after the cache was built is missing
    from it, so the fonts fontconfig knows for Chinese are added to it explicitly.
    """
    from matplotlib import font_manager

    def pick():
        have = {f.name for f in font_manager.fontManager.ttflist}
        return next((n for n in CJK_WANTED if n in have), None)

    found = pick()
    if found:
        return found
    import shutil
    import subprocess
    fc = shutil.which("fc-list")
    if fc:
        files = subprocess.run([fc, ":lang=zh-cn", "file"], capture_output=True, text=True).stdout.split()
        for f in sorted({x.rstrip(":") for x in files}):
            try:
                font_manager.fontManager.addfont(f)
            except Exception:  # a font matplotlib cannot read: keep looking
                continue
    return pick()


def chart(field: str, values: list[int], series: dict, names: dict, errors: dict, stem: Path) -> list[Path]:
    """Draw the sweep; write ``stem``.png and .svg."""
    import matplotlib.pyplot as plt
    fig = figure(field, values, series, names, errors)
    paths = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)
        for ext in ("png", "svg"):
            p = stem.with_suffix(f".{ext}")
            with atomic_path(p) as tmp:
                fig.savefig(tmp, dpi=120, format=ext)
            paths.append(p)
    plt.close(fig)
    return paths


def figure(field: str, values: list[int], series: dict, names: dict, errors: dict):
    """The sweep's figure: personal burden and assistance against the varied input, per region."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    font = cjk_font()
    if font:
        plt.rcParams["font.family"] = ["sans-serif"]
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    else:
        # said once; without the font, Chinese would print as empty boxes with a warning per glyph
        warnings.warn(FONT_HINT, stacklevel=2)

    def label(zh: str, en: str) -> str:
        return f"{zh} {en}" if font else en

    plt.rcParams["axes.unicode_minus"] = False
    x = [v / 100 for v in values]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), sharex=True)
    # Regions whose lines coincide stay distinguishable: each has its own dash, marker and width,
    # and the markers of different regions sit on different points (staggered markevery).
    styles = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    n = max(len(series), 1)
    every = max(len(x) // 8, n)  # room for one marker offset per region
    for i, (code, s) in enumerate(series.items()):
        kw = dict(label=label(names[code], code), linewidth=2.6 - 0.35 * (i % 5), linestyle=styles[i % len(styles)],
                  marker=markers[i % len(markers)], markersize=6, markerfacecolor="none",
                  markevery=(i % every, every), zorder=3 + n - i)
        ax1.plot(x, [b / 100 for b in s["burden"]], **kw)
        ax2.plot(x, [a / 100 for a in s["assistance"]], **kw)
    xl = (label("医疗费总额", "total cost") if field == "bill.total" else field) + ("（元 yuan）" if font else " (yuan)")
    ax1.set_title(label("个人负担", "personal burden"))
    ax2.set_title(label("救助金额", "assistance"))
    for ax in (ax1, ax2):
        ax.set_xlabel(xl)
        ax.set_ylabel(label("元", "yuan"))
        ax.grid(True, alpha=0.3)
        ax.ticklabel_format(style="plain", axis="both")
        ax.legend(title=label("地区", "region"), fontsize=9)
    if errors:
        fig.text(0.01, 0.01, label("未绘出", "not shown:") + " " +
                 "; ".join(f"{label(names.get(c, ''), c)} ({label('参数缺失/错误', 'error')})" for c in errors),
                 fontsize=8, color="gray")
    fig.suptitle(label("各地区比较", "comparison across regions:") + f" {field}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)
        fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig
