"""Safe cells (防公式注入): text from a case never becomes a live spreadsheet formula.

OWASP's rule for CSV injection: a field beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so Excel and LibreOffice show it as text. In
an .xlsx the cell is written as a string with Excel's own quote prefix (the style flag Excel
sets when a user types a leading ``'``), so the form shows the text exactly as given and it
stays text when edited. Amounts are written as numbers, never as text.
"""

from __future__ import annotations

from jiuzhu.model.redact import mask_id, mask_ids, one_line  # noqa: F401  (re-exported for io users)

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# a plain signed number ("-12.50", "+3") is read as a number, not a formula: left as it is
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_NUMBER_RE = r"^[+-]?[0-9]+(\.[0-9]+)?$"


def risky(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (after leading spaces, as Excel does)."""
    return (isinstance(text, str) and (text.startswith(TRIGGERS) or text.lstrip(" ").startswith(TRIGGERS))
            and not _NUMBER.fullmatch(text))


def csv_field(value):
    """A CSV field as written: risky text gets the OWASP single-quote prefix; other values unchanged."""
    if isinstance(value, str) and risky(value):
        return "'" + value
    return value


def set_text_cell(cell, value: str) -> None:
    """Write ``value`` into an openpyxl cell as text that no spreadsheet evaluates."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store a leading "=" as a formula
        if risky(value):
            cell.quotePrefix = True


def neutralise_table(table):
    """An Arrow table with every text column passed through :func:`csv_field` (for CSV output)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = {}
    for name in table.column_names:
        col = table.column(name)
        typ = col.type
        if pa.types.is_dictionary(typ):
            col = col.cast(typ.value_type)
            typ = typ.value_type
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            stripped = pc.utf8_ltrim(col, characters=" ")
            hit = pc.or_(pc.or_(pc.starts_with(stripped, "="), pc.starts_with(stripped, "+")),
                         pc.or_(pc.starts_with(stripped, "-"), pc.starts_with(stripped, "@")))
            hit = pc.or_(hit, pc.or_(pc.starts_with(col, "\t"), pc.starts_with(col, "\r")))
            hit = pc.and_(hit, pc.invert(pc.match_substring_regex(col, _NUMBER_RE)))
            col = pc.if_else(hit, pc.binary_join_element_wise("'", col, ""), col)
        cols[name] = col
    return pa.table(cols)
