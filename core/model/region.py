"""Region identity: names, division code, parent region and source documents."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import attrs

from jiuzhu.model.outcome import Citation


@attrs.frozen
class SourceDocument:
    number: str  # document number (文号), or the title when the document has none
    title: str
    issuer: str = ""
    issued: dt.date | None = None
    effective_from: dt.date | None = None  # None: a deployment parameter (e.g. a draft)
    effective_to: dt.date | None = None
    status: str = "in force"  # in force / draft
    # the article and rule ID that set effective_from (e.g. ("第二十六条", "JJ-GEN-1")), cited when a
    # case falls before it
    effective_cite: tuple[str, str] = ("", "")


@attrs.frozen
class Fund:
    """A payer (fund, 基金/资金) as the region's document names it: totals per fund carry this label,
    whichever of the fund's layers (门诊救助, 住院救助, 重特大疾病救助 …) a claim reached."""

    id: str  # the payer id the layers give (Layer.payer): medical_assistance, relief_fund …
    name_zh: str
    name_en: str
    cite: Citation | None = None


@attrs.frozen
class RegionInfo:
    code: str  # short code used in configuration: wusheng
    name_zh: str
    name_en: str
    division: str  # GB/T 2260 code
    documents: tuple[SourceDocument, ...]
    parent: str | None = None
    level: str = "county"  # county / city
    date_basis: str = "admission"  # which episode date selects the rules in force: admission / discharge
    version: str = "0.1.0"
    # year-to-date keys (history.ytd) the hooks read to *choose* a plan; a batch groups claims by
    # their exact values. Amounts an annual cap counts need no declaration: caps run over columns.
    # A programme of measure "base" or "bill" declared here is a running total of costs the hooks read only
    # to start the segments of its layers (Program.segmented) where the year stands (Guang'an, GA-PAY-5): a
    # batch keeps it out of the key, decides at 0 and runs each claim's segments from the person's total.
    reads_history: tuple[str, ...] = ()
    # whether the hooks read the person's sex (from the ID number, Context.sex), e.g. Fushun's diseases of
    # women (FS-MAJOR); a batch groups claims by sex only for a chain that reads it. A region that says
    # False is held to it by the contract (jiuzhu.kit.contract.check_sex_blind).
    reads_sex: bool = True
    # the funds its layers pay from, with their names in the region's document (jiuzhu.analysis.funds)
    funds: tuple[Fund, ...] = ()

    @property
    def document(self) -> SourceDocument:
        return self.documents[0]

    def cite(self, article: str = "", rule: str = "", document: str | None = None) -> Citation:
        return Citation(self.name_zh, document or self.document.number, article, rule)


@attrs.frozen
class Program:
    """A programme (救助项目) an annual cap counts in: what the year-to-date of ``history.ytd[id]`` sums.

    ``layers`` are the payer-layer ids whose amounts count in it (``measure = "amount"``), or whose
    bases count (``measure = "base"``: a running total of costs rather than of payments, such as the
    compliant burden critical-illness insurance has already counted this year).
    """

    id: str
    name_zh: str
    name_en: str
    layers: tuple[str, ...]
    measure: str = "amount"  # amount / base / bill
    # measure = "bill": a linear expression over the slip's columns, ((column, coefficient), …), counted for
    # every settlement whatever the layers paid (e.g. the compliant burden in_scope − basic_paid that
    # critical-illness insurance counts on every stay, Guang'an GA-PAY-5 A0); never below 0 per settlement.
    columns: tuple[tuple[str, int], ...] = ()
    # A running total of costs (measure "base" or "bill") the region's hooks read only to start the segments
    # of these layers where the year stands (Guang'an's tilt on the critical-illness total, GA-PAY-5): a batch
    # decides them from 0 and settles each claim's stretch from the person's total (jiuzhu.analysis.claims
    # .running_totals). For measure "base" without it, the programme's own segmented layers.
    segmented: tuple[str, ...] = ()
    cite: Citation | None = None
    note: str = ""
    # The programme's annual cap in fen from the parameters in force, for a person not yet settled in
    # it this year (``jiuzhu usage``): ``cap(ctx, case)`` with the region's Context and the person's
    # latest recorded case (None when there is none); it returns None where it cannot say.
    cap: Callable[[Any, Any], int | None] | None = attrs.field(default=None, eq=False, repr=False)

    def counted(self, layers, bill=None) -> int:
        """What one settlement's layer results (``LayerResult``) add to this programme; ``bill`` is the
        settlement's slip columns (``jiuzhu.rules.engine.bill_columns``), needed for ``measure = "bill"``."""
        if self.measure == "bill":
            if bill is None:
                raise ValueError(f"programme {self.id} counts the slip's columns: pass the bill columns")
            return max(0, sum(int(k) * int(bill.get(c, 0)) for c, k in self.columns))
        return sum((l.base if self.measure == "base" else l.amount) for l in layers if l.id in self.layers and not
                   (self.measure == "base" and l.given))
