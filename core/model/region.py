"""Region identity: names, division code, parent region and source documents."""

from __future__ import annotations

import datetime as dt

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
    reads_history: tuple[str, ...] = ()

    @property
    def document(self) -> SourceDocument:
        return self.documents[0]

    def cite(self, article: str = "", rule: str = "", document: str | None = None) -> Citation:
        return Citation(self.name_zh, document or self.document.number, article, rule)
