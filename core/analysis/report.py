"""Supervision report (监管报表): a region's year of claims as totals, the seeds' indicators and charts.

``supervision`` evaluates a claims file under one region (the batch path) and computes:

- totals by fund and by layer (program), and assistance by month of admission;
- self-pay by facility level: the share of the total cost outside the insurance catalogue
  (``fully_self_paid``) and the personal burden share — Liujiang 第八条 asks for this monitoring
  ("应加强对特困人员住院自费费用比例的监测，对异常偏高的医疗机构进行重点核查") and gives no threshold, so
  none is applied;
- the longest stays and the highest-cost claims (the 20 of each; the seeds give no thresholds);
- the indicators whose thresholds the seeds give, read from the region's parameters with their
  citations: Jingjiang's payout ratio against the premiums (``min_compensation_ratio`` 90 %,
  ``low_payout_trigger`` 80 %, ``high_payout_excess`` +10 %: 第十一条, JJ-FUND-8/9/10) and its
  city/town premium shares (第十条 60 %/40 %); Fushun's city share of urban funding (7:3, 六（二）
  FS-FUND-1) and the 15 % balance ceiling (六（二） FS-FUND-7). Premiums and funds raised are not in
  claims: they are inputs (``insured`` persons, ``funds_raised``); an indicator without its input
  is listed as not computed, naming the input.

Money is integer fen; ratios are exact fractions shown to one decimal of a percent.
"""

from __future__ import annotations

import base64
import io
from fractions import Fraction
from pathlib import Path

import numpy as np

from jiuzhu.model.money import pct, yuan

TOP = 20


def _param(engine, region, name, day):
    params = engine.parameter_set(region).at(day)
    return (params[name], params.cite(name)) if params.has(name) else (None, None)


def supervision(engine, table, region: str, insured: int | None = None, funds_raised: int | None = None,
                rehome: bool = True) -> dict:
    from jiuzhu.analysis.claims import evaluate_partition
    res, tots, _ = evaluate_partition(engine, table, [region], rehome)
    t = tots[region]
    if "error" in t:
        from jiuzhu.model.errors import JiuzhuError
        raise JiuzhuError(f"{region}: {t['error']}")
    r = res[0]
    n = table.num_rows
    total = r.column("total_fen").to_numpy()
    assistance = r.column("assistance_fen").to_numpy()
    burden = r.column("burden_fen").to_numpy()
    adm = table.column("episode.admitted").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    dis = table.column("episode.discharged").to_numpy(zero_copy_only=False).astype("datetime64[D]") \
        if "episode.discharged" in table.column_names else adm
    month = adm.astype("datetime64[M]").astype(str)
    level = np.array(table.column("facility.level").to_pylist(), dtype=object)
    fully = table.column("bill.fully_self_paid_fen").to_numpy() if "bill.fully_self_paid_fen" in table.column_names \
        else np.zeros(n, np.int64)
    kind = np.array(table.column("episode.kind").to_pylist(), dtype=object)
    ids = np.array(table.column("claim_id").to_pylist(), dtype=object)
    layers = {c[6:-4]: int(r.column(c).to_numpy().sum()) for c in r.column_names if c.startswith("layer.")}
    day = adm.max().astype(object) if n else None
    out = {"region": region, "claims": n, "covered": t["covered"], "assistance": t["assistance"],
           "burden": t["burden_total"], "total": int(total.sum()),
           "funds": [{"fund": f, "zh": t["fund_labels"].get(f, (f, f))[0], "amount": v} for f, v in t["funds"].items()],
           "layers": [{"layer": k, "amount": v} for k, v in layers.items()],
           "months": [{"month": m, "claims": int((month == m).sum()), "assistance": int(assistance[month == m].sum())}
                      for m in sorted(set(month))],
           "facility_levels": [], "long_stays": [], "high_cost": [], "indicators": []}
    for lv in [x for x in ("primary", "county", "city", "provincial") if x in set(level)] + \
            sorted(set(level) - {"primary", "county", "city", "provincial"}):
        m = level == lv
        tot = int(total[m].sum())
        out["facility_levels"].append({
            "level": lv, "claims": int(m.sum()), "total": tot, "self_pay": int(fully[m].sum()),
            "self_pay_ratio": float(Fraction(int(fully[m].sum()), tot)) if tot else 0.0,
            "burden_ratio": float(Fraction(int(burden[m].sum()), tot)) if tot else 0.0})
    stay = (dis - adm).astype(np.int64)
    inp = np.flatnonzero(kind == "inpatient")
    for i in inp[np.argsort(-stay[inp], kind="stable")][:TOP]:
        out["long_stays"].append({"claim_id": ids[i], "days": int(stay[i]), "level": level[i], "total": int(total[i]),
                                  "burden": int(burden[i])})
    for i in np.argsort(-total, kind="stable")[:TOP]:
        out["high_cost"].append({"claim_id": ids[i], "kind": kind[i], "level": level[i], "total": int(total[i]),
                                 "assistance": int(assistance[i]), "burden": int(burden[i])})
    if day is not None:
        # the payout ratio is the insurer's: its fund where the region names one, else all assistance
        insurer = t["funds"].get("insurer")
        area = np.array(table.column("person.area").to_pylist(), dtype=object) \
            if "person.area" in table.column_names else np.full(n, "rural", dtype=object)
        out["indicators"] = indicators(engine, region, day, int(assistance.sum()), insured, funds_raised,
                                       insurer if insurer is not None else int(assistance.sum()),
                                       urban_paid=int(assistance[area == "urban"].sum()))
    return out


def indicators(engine, region, day, paid: int, insured: int | None, funds_raised: int | None,
               insurer_paid: int | None = None, urban_paid: int | None = None) -> list[dict]:
    """The seeds' supervision indicators that apply to ``region`` (see the module text); ``paid`` is
    the assistance paid in fen, ``insurer_paid`` the part the insurer paid (default: all of it),
    ``urban_paid`` the assistance to urban persons (Fushun's 7:3 split is of urban assistance only)."""
    rows = []
    insurer_paid = paid if insurer_paid is None else insurer_paid

    def add(name, value, threshold, status, cite, note=""):
        rows.append({"indicator": name, "value": value, "threshold": threshold, "status": status,
                     "citation": str(cite) if cite else "", "note": note})

    per, cite = _param(engine, region, "premium_per_person", day)
    if per is not None:  # Jingjiang: premiums = insured × 400 yuan (第十条)
        lo, c_lo = _param(engine, region, "low_payout_trigger", day)
        mn, c_mn = _param(engine, region, "min_compensation_ratio", day)
        hi, c_hi = _param(engine, region, "high_payout_excess", day)
        city, c_city = _param(engine, region, "premium_city_share", day)
        town, _ = _param(engine, region, "premium_town_share", day)
        if insured is None:
            add("赔付率 payout ratio", "", f"≥ {pct(mn)}; < {pct(lo)} 或 > {pct(1 + hi)} 调整", "未计算 not computed",
                c_mn, "需提供参保人数 needs --insured (premiums = insured × premium per person)")
        else:
            premiums = insured * per
            ratio = Fraction(insurer_paid, premiums) if premiums else Fraction(0)
            # 「达到年度保费的110%以上」: 以上 includes the bound unless the deployment reads it otherwise (JJ-AMB-9)
            inclusive = _param(engine, region, "amb_high_payout_boundary", day)[0] != "exclusive"
            high = ratio >= 1 + hi if inclusive else ratio > 1 + hi
            status = ("低于80%，调整次年度方案 below the low-payout trigger: adjust next year" if ratio < lo else
                      "未达90% below the minimum share paid out" if ratio < mn else
                      "超过110%，调整次年度方案 at or above the high-payout trigger: adjust next year" if high else
                      "正常 within range")
            add("赔付率 payout ratio", pct(ratio, 1), f"≥ {pct(mn)}; < {pct(lo)} 或 > {pct(1 + hi)} 调整", status, c_mn,
                f"赔付 {yuan(insurer_paid)} / 保费 {yuan(premiums)} 元 ({insured:,} × {yuan(per)}); {c_lo}; {c_hi}")
            add("市财政承担 city share of premiums", yuan(premiums * city), pct(city), "按规定 as set", c_city,
                f"镇财政 town {yuan(premiums * town)} 元 ({pct(town)})")
    share, c_share = _param(engine, region, "urban_city_share", day)
    if share is not None:  # Fushun 7:3 「城市医疗救助所需资金由市、县（区）财政按7：3比例分担」: urban assistance only
        urban = paid if urban_paid is None else urban_paid
        add("城市医疗救助资金市级分担 city share (7:3)", yuan(int(urban * share)), pct(share), "应分担额 share due",
            c_share, f"城市医疗救助 urban assistance {yuan(urban)} 元; 区县 district {yuan(urban - int(urban * share))} 元; "
            "农村医疗救助主要由县（区）筹集 (rural assistance is raised by the districts); amounts floored to the fen")
    ceil, c_ceil = _param(engine, region, "balance_ceiling", day)
    if ceil is not None:
        if funds_raised is None:
            add("年度结余率 balance ratio", "", f"≤ {pct(ceil)}", "未计算 not computed", c_ceil,
                "需提供当年筹集资金 needs --funds-raised YUAN")
        else:
            bal = Fraction(funds_raised - paid, funds_raised) if funds_raised else Fraction(-1)
            add("年度结余率 balance ratio", pct(bal, 1), f"≤ {pct(ceil)}",
                "超支 spending exceeds the funds raised" if bal < 0 else
                "超过结余上限 above the ceiling" if bal > ceil else "正常 within range", c_ceil,
                f"(筹集 {yuan(funds_raised)} − 支出 {yuan(paid)}) / 筹集")
    return rows


# -- charts and files ----------------------------------------------------------------------------


def _png(rep: dict) -> bytes:
    import warnings
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from jiuzhu.analysis.sweep import cjk_font
    font = cjk_font()
    if font:
        plt.rcParams["font.family"] = ["sans-serif"]
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    lab = (lambda zh, en: zh) if font else (lambda zh, en: en)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    a1.bar([m["month"][5:] for m in rep["months"]], [m["assistance"] / 100 for m in rep["months"]], color="#2c7fb8")
    a1.set_title(lab("按月救助支出（元）", "assistance by month (yuan)"))
    lv = rep["facility_levels"]
    a2.bar([x["level"] for x in lv], [x["self_pay_ratio"] * 100 for x in lv], color="#d95f0e")
    a2.set_title(lab("按机构级别目录外自费比例（%）", "self-pay share by facility level (%)"))
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


SHEETS = (("总览", "summary"), ("按月", "months"), ("机构自费", "facility_levels"), ("监管指标", "indicators"),
          ("长住院", "long_stays"), ("高额费用", "high_cost"))
HEAD_ZH = {"fund": "基金", "zh": "名称", "amount": "金额（元）", "layer": "救助层次", "month": "月份", "claims": "理赔数",
           "assistance": "救助（元）", "level": "机构级别", "total": "医疗费总额（元）", "self_pay": "目录外自费（元）",
           "self_pay_ratio": "目录外自费比例", "burden_ratio": "个人负担比例", "claim_id": "结算单号", "days": "住院天数",
           "burden": "个人负担（元）", "kind": "就诊类型", "indicator": "指标", "value": "值", "threshold": "标准",
           "status": "结论", "citation": "依据", "note": "说明"}
MONEY = {"amount", "assistance", "total", "self_pay", "burden"}


def _rows(rep, key):
    if key == "summary":
        return [{"indicator": k, "value": v} for k, v in (
            ("地区 region", rep["region"]), ("理赔数 claims", rep["claims"]), ("救助人次 covered", rep["covered"]),
            ("医疗费总额（元）total", yuan(rep["total"])), ("救助合计（元）assistance", yuan(rep["assistance"])),
            ("个人负担（元）burden", yuan(rep["burden"])))] + \
            [{"indicator": f"{f['zh']} {f['fund']}（元）", "value": yuan(f["amount"])} for f in rep["funds"]] + \
            [{"indicator": f"层次 layer {x['layer']}（元）", "value": yuan(x["amount"])} for x in rep["layers"]]
    return rep[key]


def _cell(k, v):
    if k in MONEY and isinstance(v, int):
        return v / 100  # a number in the workbook (yuan), formatted with two decimals
    return v


def write_xlsx(rep: dict, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from jiuzhu.io.atomic import save_document
    wb = Workbook()
    wb.remove(wb.active)
    for title, key in SHEETS:
        ws = wb.create_sheet(title)
        rows = _rows(rep, key)
        cols = list(rows[0]) if rows else ["note"]
        ws.append([HEAD_ZH.get(c, c) for c in cols])
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append([_cell(c, r.get(c)) for c in cols])
        for j, c in enumerate(cols, start=1):
            ws.column_dimensions[ws.cell(1, j).column_letter].width = 40 if c in ("citation", "note", "indicator") else 16
            if c in MONEY:
                for cell in ws.iter_cols(min_col=j, max_col=j, min_row=2):
                    for x in cell:
                        x.number_format = "#,##0.00"
            if c.endswith("_ratio"):
                for cell in ws.iter_cols(min_col=j, max_col=j, min_row=2):
                    for x in cell:
                        x.number_format = "0.0%"
        if not rows:
            ws.append(["无 none"])
        if key == "months" and rows:
            ch = BarChart()
            ch.title, ch.y_axis.title, ch.x_axis.title = "按月救助支出", "元", "月份"
            ch.add_data(Reference(ws, min_col=3, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
            ch.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
            ws.add_chart(ch, "E2")
        if key == "facility_levels" and rows:
            ch = BarChart()
            ch.title, ch.y_axis.title = "按机构级别目录外自费比例", "比例"
            ch.add_data(Reference(ws, min_col=5, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
            ch.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
            ws.add_chart(ch, "H2")
    return save_document(path, wb.save)


def write_html(rep: dict, path: Path) -> Path:
    from html import escape
    from jiuzhu.io.atomic import write_text
    img = base64.b64encode(_png(rep)).decode()
    parts = [f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>监管报表 {escape(rep['region'])}</title>",
             "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #999;padding:2px 6px}td.n{text-align:right}</style>",
             f"<h1>医疗救助监管报表 supervision report — {escape(rep['region'])}</h1>",
             f"<img alt='按月救助支出与机构自费比例' src='data:image/png;base64,{img}'>"]
    for title, key in SHEETS:
        rows = _rows(rep, key)
        parts.append(f"<h2>{escape(title)} {escape(key)}</h2>")
        if not rows:
            parts.append("<p>无 none</p>")
            continue
        cols = list(rows[0])
        parts.append("<table><tr>" + "".join(f"<th>{escape(HEAD_ZH.get(c, c))}</th>" for c in cols) + "</tr>")
        for r in rows:
            cells = []
            for c in cols:
                v = r.get(c)
                s = yuan(v) if c in MONEY and isinstance(v, int) else f"{v * 100:.1f}%" if c.endswith("_ratio") else v
                cells.append(f"<td{' class=n' if c in MONEY else ''}>{escape(str(s))}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    return write_text(path, "\n".join(parts) + "</html>\n")
