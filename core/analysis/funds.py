"""Funds (基金/资金): who pays, labelled as the region's document names the payer.

A fund's label is the fund's own, never one of its layers' (Fushun's 医疗救助基金 pays 门诊救助, 住院救助
and 重特大疾病救助 alike). A region declares its funds in ``RegionInfo.funds`` with their citation; a
child region's declaration wins over its parent's. A payer no region of the chain declares is labelled
from the core vocabulary (``vocab.PAYERS``, uncited), else by its id.
"""

from __future__ import annotations

from jiuzhu.model.vocab import PAYERS

# English names of the core vocabulary's payers (the Chinese ones are vocab.PAYERS)
PAYERS_EN = {
    "basic_insurance": "basic medical insurance pooled fund", "critical_illness": "critical-illness insurance",
    "other_payers": "other payers (third parties, supplementary insurance …)",
    "medical_assistance_slip": "medical assistance (one-stop settlement)", "medical_assistance": "medical assistance",
    "insurer": "contracted insurer", "guangan_tilt": "tilted payment", "emergency_relief": "disease emergency relief",
    "health_poverty_fund": "health poverty-alleviation fund", "proposer": "borne by the proposer",
}


def fund_label(engine, region: str, payer: str, layers: dict | None = None) -> tuple[str, str, str]:
    """(中文, English, citation) of ``payer`` for ``region``: the nearest declaration in its chain, else
    the core vocabulary, else the label of the layer that bears the payer's own id (a layer without a
    payer of its own is its fund: ``layers`` maps layer id to (中文, English)), else the id."""
    for r in reversed(engine.chain(region)):  # the region itself first, then its parents
        for f in r.info.funds:
            if f.id == payer:
                return f.name_zh, f.name_en, str(f.cite) if f.cite else ""
    if payer in PAYERS:
        return PAYERS[payer], PAYERS_EN.get(payer, payer), ""
    if layers and payer in layers:
        return (*tuple(layers[payer])[:2], "")
    return payer, payer, ""


def fund_labels(engine, region: str, payers, layers: dict | None = None) -> dict[str, tuple[str, str, str]]:
    return {p: fund_label(engine, region, p, layers) for p in sorted(set(payers))}
