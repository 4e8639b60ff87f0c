"""Supervision report (监管报表): a region's year of claims as totals, the seeds' indicators and charts.

``supervision`` evaluates a claims file under one region (the batch path) and computes:

- totals by fund (its own cited name, :mod:`jiuzhu.analysis.funds`) and by layer (programme), and
  assistance by month of admission;
- self-pay by facility level: the share of the total cost outside the insurance catalogue
  (``fully_self_paid``) and the personal burden share — Liujiang 第八条 asks for this monitoring
  ("应加强对特困人员住院自费费用比例的监测，对异常偏高的医疗机构进行重点核查") and gives no threshold, so
  none is applied by level; per facility (医疗机构), inpatients, highest first, a region's
  ``self_pay_ratio_alert`` (Liujiang LJ-SUP-2, a deployment value) flags those strictly above it;
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
import pyarrow.compute as pc

from jiuzhu.model.money import pct, yuan

TOP = 20


def _param(engine, region, name, day):
    params = engine.parameter_set(region).at(day)
    return (params[name], params.cite(name)) if params.has(name) else (None, None)


def supervision(engine, table, region: str, insured: int | None = None, funds_raised: int | None = None,
                rehome: bool = True, carried: int | None = None) -> dict:
    """Evaluate the claims ``table`` under ``region`` and build the report (see the module text)."""
    from jiuzhu.analysis.claims import evaluate_partition
    res, tots, _ = evaluate_partition(engine, table, [region], rehome)
    t = tots[region]
    if "error" in t:
        from jiuzhu.model.errors import JiuzhuError
        raise JiuzhuError(f"{region}: {t['error']}")
    r = res[0]
    layers = {c[6:-4]: int(pc.sum(r.column(c)).as_py() or 0) for c in r.column_names if c.startswith("layer.")}
    return build(engine, table, region, r.column("total_fen").to_numpy(), r.column("assistance_fen").to_numpy(),
                 r.column("burden_fen").to_numpy(), t["covered"], t["funds"], t["fund_labels"], layers,
                 t.get("layer_labels", {}), insured, funds_raised, carried=carried)


def build(engine, table, region: str, total, assistance, burden, covered: int, funds: dict, fund_labels: dict,
          layers: dict, layer_labels: dict, insured: int | None = None, funds_raised: int | None = None,
          source: str = "", carried: int | None = None) -> dict:
    """The report from per-claim amounts (fen, aligned with the claims ``table``) and totals: by
    :func:`supervision`, or from results already computed (:mod:`jiuzhu.analysis.results`)."""
    n = table.num_rows
    adm = table.column("episode.admitted").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    dis = table.column("episode.discharged").to_numpy(zero_copy_only=False).astype("datetime64[D]") \
        if "episode.discharged" in table.column_names else adm
    month = adm.astype("datetime64[M]").astype(str)
    level = np.array(table.column("facility.level").to_pylist(), dtype=object)
    fully = table.column("bill.fully_self_paid_fen").to_numpy() if "bill.fully_self_paid_fen" in table.column_names \
        else np.zeros(n, np.int64)
    kind = np.array(table.column("episode.kind").to_pylist(), dtype=object)
    ids = np.array(table.column("claim_id").to_pylist(), dtype=object)
    day = adm.max().astype(object) if n else None
    from jiuzhu.analysis.funds import fund_label

    def lab(f):  # (中文, English, citation): the totals' own label, the citation from the region's declaration
        zh, en = tuple(fund_labels.get(f, ())[:2]) or fund_label(engine, region, f)[:2]
        return zh, en, fund_label(engine, region, f)[2]
    out = {"region": region, "claims": n, "covered": covered, "assistance": int(assistance.sum()),
           "burden": int(burden.sum()), "total": int(total.sum()), "source": source,
           "funds": [{"fund": f, "zh": lab(f)[0], "en": lab(f)[1], "amount": v, "citation": lab(f)[2]}
                     for f, v in funds.items()],
           # assistance layers are the programmes (救助项目); the others are the slip's payers (insurance …)
           "layers": [{"layer": k, "zh": (layer_labels.get(k) or (k,))[0], "fund": (layer_labels.get(k) or (k, k, ""))[2],
                       "amount": v, "programme": k in layer_labels} for k, v in layers.items()],
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
    out["facilities"] = facilities(engine, region, day, table, total, fully, kind)
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
        insurer = funds.get("insurer")
        area = np.array(table.column("person.area").to_pylist(), dtype=object) \
            if "person.area" in table.column_names else np.full(n, "rural", dtype=object)
        out["indicators"] = indicators(engine, region, day, int(assistance.sum()), insured, funds_raised,
                                       insurer if insurer is not None else int(assistance.sum()),
                                       urban_paid=int(assistance[area == "urban"].sum()), carried=carried)
    return out


def facilities(engine, region, day, table, total, fully, kind) -> list[dict]:
    """Inpatient self-pay share by facility (医疗机构), highest first: Liujiang 第八条 「柳江区医保部门应加强对
    特困人员住院自费费用比例的监测，对异常偏高的医疗机构进行重点核查」 (LJ-SUP-2). Self-pay is the cost outside
    the insurance catalogue (``bill.fully_self_paid``), of the stays of the region's own persons (its
    ``target_groups`` where it declares them: Liujiang's 特困人员). The seed gives no figure for 异常偏高: a region that
    declares ``self_pay_ratio_alert`` flags a facility strictly above it; without a value none is flagged."""
    if day is None:
        return []
    names = np.array(table.column("facility.name").to_pylist(), dtype=object) \
        if "facility.name" in table.column_names else np.full(len(kind), "", dtype=object)
    inp = kind == "inpatient"
    groups, _ = _param(engine, region, "target_groups", day)
    if groups and "person.categories" in table.column_names:  # 特困人员住院…: the region's own persons only
        own = {str(g) for g in groups}
        cats = table.column("person.categories").to_pylist()
        inp = inp & np.array([bool(own & set(c if isinstance(c, list) else str(c or "").split(";"))) for c in cats],
                             dtype=bool)
    declared = engine.parameter_set(region).params.get("self_pay_ratio_alert") is not None
    alert, c_alert = _param(engine, region, "self_pay_ratio_alert", day)
    rows = []
    for fac in sorted({str(x) for x in names[inp]}):
        m = inp & (names == fac)
        tot, sp = int(total[m].sum()), int(fully[m].sum())
        ratio = Fraction(sp, tot) if tot else None
        status = ("" if not declared else "未设定 not set (self_pay_ratio_alert)" if alert is None else
                  "不适用 not applicable" if ratio is None else
                  "异常偏高，重点核查 above the alert: key inspection" if ratio > alert else "正常 within")
        rows.append({"facility": fac or "—", "claims": int(m.sum()), "total": tot, "self_pay": sp,
                     "self_pay_ratio": float(ratio) if ratio is not None else None,
                     "threshold": (f"> {pct(alert, 1)}" if alert is not None else "—") if declared else "",
                     "status": status, "citation": str(c_alert) if c_alert else "", "_exact": ratio})
    rows.sort(key=lambda r: (-(r["_exact"] if r["_exact"] is not None else -1), r["facility"]))
    for r in rows:
        del r["_exact"]
    return rows


def shown(ratio: Fraction, bounds) -> str:
    """``ratio`` as a percentage to one decimal, or to as many more as it takes for the figure shown to
    stand on the same side of every bound as the ratio itself (79.9999975 % is not shown as 80 % beside
    「低于80%」, nor −0.000001 % as −0 % beside 超支); exact when ten places are not enough."""
    from decimal import ROUND_HALF_UP, Decimal
    exact = Decimal(ratio.numerator) / Decimal(ratio.denominator) * 100
    for places in range(1, 11):
        d = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        r = Fraction(d) / 100
        if all((r > b) - (r < b) == (ratio > b) - (ratio < b) for b in bounds):
            return pct(r)
    return pct(ratio)


def indicators(engine, region, day, paid: int, insured: int | None, funds_raised: int | None,
               insurer_paid: int | None = None, urban_paid: int | None = None,
               carried: int | None = None) -> list[dict]:
    """The seeds' supervision indicators that apply to ``region`` (see the module text); ``paid`` is
    the assistance paid in fen, ``insurer_paid`` the part the insurer paid (default: all of it),
    ``urban_paid`` the assistance to urban persons (Fushun's 7:3 split is of urban assistance only),
    ``carried`` the balance carried over from earlier years (Fushun's cumulative balance, FS-AMB-22 A)."""
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
        # 「达到年度保费的110%以上」: 以上 includes the bound (JJ-AMB-9 A, the default); under reading B
        # (amb_high_payout_boundary = strict, 「超过」) exactly 110 % is no trigger
        inclusive = _param(engine, region, "amb_high_payout_boundary", day)[0] != "strict"
        threshold = f"≥ {pct(mn)}; < {pct(lo)} 或 {'≥' if inclusive else '>'} {pct(1 + hi)} 调整"
        if insured is None:
            add("赔付率 payout ratio", "", threshold, "未计算 not computed",
                c_mn, "需提供参保人数 needs --insured (premiums = insured × premium per person)")
        premiums = insured * per if insured is not None else None
        if premiums == 0:  # a ratio of nothing is not 0 %: shown as not applicable
            add("赔付率 payout ratio", "", threshold, "不适用 not applicable",
                c_mn, "保费为 0（参保人数为 0）premiums are 0: no ratio")
        elif insured is not None:
            ratio = Fraction(insurer_paid, premiums)
            high = ratio >= 1 + hi if inclusive else ratio > 1 + hi
            status = ("低于80%，调整次年度方案 below the low-payout trigger: adjust next year" if ratio < lo else
                      "未达90% below the minimum share paid out" if ratio < mn else
                      ("达到110%以上，调整次年度方案 at or above the high-payout trigger: adjust next year" if inclusive
                       else "超过110%，调整次年度方案 above the high-payout trigger: adjust next year") if high else
                      "正常 within range")
            add("赔付率 payout ratio", shown(ratio, (lo, mn, 1 + hi)), threshold, status, c_mn,
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
        elif funds_raised == 0:  # no funds raised: no ratio, not -100 %
            add("年度结余率 balance ratio", "", f"≤ {pct(ceil)}", "不适用 not applicable", c_ceil,
                f"筹集资金为 0 funds raised are 0: no ratio (支出 spent {yuan(paid)})")
        else:
            # FS-AMB-22 A (default): the cumulative balance (carried over + raised − spent), a warning (一般应);
            # B (annual_hard): the year's own surplus, a hard limit
            cumulative = _param(engine, region, "balance_reading", day)[0] != "annual_hard"
            with_carried = cumulative and carried is not None
            bal = Fraction((carried if with_carried else 0) + funds_raised - paid, funds_raised)
            note = (f"(上年结转 {yuan(carried)} + 筹集 {yuan(funds_raised)} − 支出 {yuan(paid)}) / 筹集" if with_carried
                    else f"(筹集 {yuan(funds_raised)} − 支出 {yuan(paid)}) / 筹集")
            if cumulative and not with_carried:
                note += ("; 未含上年结转：累计结余需提供 --balance-carried YUAN (the cumulative balance, FS-AMB-22 A, "
                         "also counts the balance carried over)")
            elif not cumulative:
                note += "; 当年结余 the year's own surplus (FS-AMB-22 B)"
            add("年度结余率 balance ratio", shown(bal, (0, ceil)), f"≤ {pct(ceil)}",
                "超支 spending exceeds the funds raised" if bal < 0 else
                ("超过结余上限（一般应，警示） above the ceiling (a warning: 一般应)" if cumulative else
                 "超过结余上限 above the ceiling") if bal > ceil else "正常 within range", c_ceil, note)
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


SHEETS = (("总览", "summary"), ("按月", "months"), ("机构自费", "facility_levels"), ("医疗机构住院自费", "facilities"),
          ("监管指标", "indicators"),
          ("长住院", "long_stays"), ("高额费用", "high_cost"))
HEAD_ZH = {"fund": "基金", "zh": "名称", "amount": "金额（元）", "layer": "救助层次", "month": "月份", "claims": "理赔数",
           "assistance": "救助（元）", "level": "机构级别", "total": "医疗费总额（元）", "self_pay": "目录外自费（元）",
           "self_pay_ratio": "目录外自费比例", "burden_ratio": "个人负担比例", "claim_id": "结算单号", "days": "住院天数",
           "burden": "个人负担（元）", "kind": "就诊类型", "indicator": "指标", "value": "值", "threshold": "标准",
           "status": "结论", "citation": "依据", "note": "说明", "facility": "医疗机构"}
MONEY = {"amount", "assistance", "total", "self_pay", "burden"}


def _rows(rep, key):
    if key == "summary":
        return [{"indicator": k, "value": v, "citation": ""} for k, v in (
            ("地区 region", rep["region"]), ("理赔数 claims", rep["claims"]), ("救助人次 covered", rep["covered"]),
            ("医疗费总额（元）total", yuan(rep["total"])), ("救助合计（元）assistance", yuan(rep["assistance"])),
            ("个人负担（元）burden", yuan(rep["burden"])))] + \
            ([{"indicator": "来源 source", "value": rep["source"], "citation": ""}] if rep.get("source") else []) + \
            [{"indicator": f"基金 fund: {f['zh']} {f.get('en', '')} ({f['fund']})（元）", "value": yuan(f["amount"]),
              "citation": f.get("citation", "")} for f in rep["funds"]] + \
            [{"indicator": f"{'救助项目 programme' if x.get('programme') else '其他支付层次 other payer'}: "
                           f"{x.get('zh', x['layer'])} ({x['layer']})（元）", "value": yuan(x["amount"]),
              "citation": f"基金 fund: {x['fund']}" if x.get("programme") else ""} for x in rep["layers"]]
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
                s = yuan(v) if c in MONEY and isinstance(v, int) else "—" if v is None else \
                    f"{v * 100:.1f}%" if c.endswith("_ratio") else v
                cells.append(f"<td{' class=n' if c in MONEY else ''}>{escape(str(s))}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    return write_text(path, "\n".join(parts) + "</html>\n")


# -- from results already computed -----------------------------------------------------------------


def _align(claims, ids: list, what: str) -> np.ndarray:
    """Positions in ``ids`` of each claim of ``claims``, in the claims' order; the two must be the same set."""
    from jiuzhu.model.errors import InputError
    pos = {c: i for i, c in enumerate(ids)}
    if len(pos) != len(ids):
        raise InputError(what, None, "expected one row per claim (compare --batch without --long)")
    cids = claims.column("claim_id").to_pylist()
    missing = next((c for c in cids if c not in pos), None)
    if missing is not None or len(cids) != len(ids):
        raise InputError("--claims", None, f"expected the claims {what} was computed from ("
                         f"{len(cids):,} claims, {len(ids):,} result rows"
                         + ("; a claim id of the claims is not in the results)" if missing is not None else ")"))
    return np.array([pos[c] for c in cids], dtype=np.int64)


def from_results(engine, claims, source, region: str, insured: int | None = None, funds_raised: int | None = None,
                 scenario: str = "reform", carried: int | None = None) -> dict:
    """The report from results already computed, without evaluating again: a ``compare --batch`` results
    file (Parquet, one row per claim and region, with its ``.labels.json`` beside it) or a ``reform --out``
    folder (``scenario`` baseline or reform). Results hold amounts, not admission dates, facilities or
    areas: those come from ``claims``, the normalised claims table the results were computed from,
    matched by claim_id."""
    import json
    from pathlib import Path

    import pyarrow.parquet as pq
    from jiuzhu.analysis.claims import COVERED
    from jiuzhu.analysis.funds import fund_labels
    from jiuzhu.model.errors import InputError
    src = Path(source)
    total = claims.column("bill.total_fen").to_numpy()
    if src.is_dir():
        summ, rc = src / "summary.json", src / "reform_claims.parquet"
        if not summ.exists() or not rc.exists():
            raise InputError("RESULTS", src.name, "expected a reform --out folder (summary.json, reform_claims.parquet)")
        s = json.loads(summ.read_text(encoding="utf-8"))
        if s.get("region") != region:
            raise InputError("--region", region, f"the region the reform was run for ({s.get('region')})")
        t = pq.read_table(rc)
        idx = _align(claims, t.column("claim_id").to_pylist(), f"{src.name}/reform_claims.parquet")
        if "total_fen" in t.column_names and (differ := int((t.column("total_fen").to_numpy()[idx] != total).sum())):
            raise InputError("--claims", None, f"expected the claims {src.name} was computed from ({differ:,} claims' "
                                               "bill.total differs from the results' total)")
        a = t.column(f"{scenario}_assistance_fen").to_numpy()[idx]
        b = t.column(f"{scenario}_burden_fen").to_numpy()[idx]
        funds = {f["fund"]: f[scenario] for f in s["funds"]}
        labels = {f["fund"]: (f["zh"], f["en"], f.get("citation", "")) for f in s["funds"]}
        progs = s.get("programs", [])
        return build(engine, claims, region, total, a, b, s["covered"][scenario], funds, labels,
                     {p["program"]: p[scenario] for p in progs}, {p["program"]: (p["zh"], p["en"], p["fund"])
                                                                  for p in progs}, insured, funds_raised,
                     source=f"{src.name} ({'改革' if scenario == 'reform' else '基线'} {scenario}: {s['reform']})",
                     carried=carried)
    if src.suffix.lower() not in (".parquet", ".pq"):
        raise InputError("RESULTS", src.name, "expected Parquet results of compare --batch (--out results.parquet), "
                                              "a reform --out folder or a claims file")
    side = src.parent / f"{src.name}.labels.json"
    lab = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
    if "layers" not in lab:
        raise InputError(side.name, None, "expected the labels file compare --batch writes beside its results "
                                          "(it names each layer's fund)")
    t = pq.read_table(src)
    if "layer" in t.column_names:
        raise InputError("RESULTS", src.name, "expected one row per claim (compare --batch without --long)")
    regions = sorted(set(t.column("region").cast("string").to_pylist()))
    if region not in regions:
        raise InputError("--region", region, f"a region of the results ({', '.join(regions)})")
    t = t.filter(pc.equal(t.column("region").cast("string"), region))
    idx = _align(claims, t.column("claim_id").to_pylist(), src.name)
    def col(c):
        return t.column(c).to_numpy(zero_copy_only=False)[idx]

    differ = int((col("total_fen") != total).sum())
    if differ:  # the same ids, other claims: months, facilities and areas would not be the results' claims'
        raise InputError("--claims", None, f"expected the claims {src.name} was computed from ({differ:,} claims' "
                                           "bill.total differs from the results' total)")

    verdict = np.array(t.column("verdict").cast("string").to_pylist(), dtype=object)
    covered = int((t.column("eligible").to_numpy(zero_copy_only=False) & np.isin(verdict, COVERED)).sum())
    layers = {c[6:-4]: int(pc.sum(t.column(c)).as_py() or 0) for c in t.column_names if c.startswith("layer.")}
    ll = {k: tuple(v) for k, v in lab["layers"].get(region, {}).items() if k in layers}
    funds: dict[str, int] = {}
    for k, (_, _, fund) in ll.items():
        funds[fund] = funds.get(fund, 0) + layers[k]
    return build(engine, claims, region, col("total_fen"), col("assistance_fen"), col("burden_fen"), covered, funds,
                 fund_labels(engine, region, funds), layers, ll, insured, funds_raised,
                 source=src.name, carried=carried)
