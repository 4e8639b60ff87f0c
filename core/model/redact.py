"""Redaction (脱敏) of what jiuzhu prints about people: traces, logs and error lines.

Resident ID numbers keep the 6-digit division code and the last four characters
(``511622********0315``), which is enough for a clerk to find the file and not enough to
identify the person. Error lines are one line: newlines are escaped (a value cannot forge a
second line) and the line is cut to a bounded length.
"""

from __future__ import annotations

import re

# 18-character resident ID numbers (GB 11643-1999), also when embedded in longer text.
_ID = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
LINE_LIMIT = 500  # characters of one error line; [limits] error_line_chars in jiuzhu.toml


def mask_id(id_number: str) -> str:
    """``511622195106180315`` → ``511622********0315``; anything else is fully starred."""
    s = str(id_number)
    if len(s) == 18:
        return s[:6] + "*" * 8 + s[14:]
    return "*" * len(s)


def mask_ids(text: str) -> str:
    """Every ID number inside ``text`` masked."""
    return _ID.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:], text)


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` as one bounded line: CR, LF and other control characters escaped, ID numbers masked."""
    limit = LINE_LIMIT if limit is None else limit
    s = mask_ids(str(text))
    s = s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    s = "".join(ch if ch >= " " and ch not in "\x7f\u2028\u2029\x85" else f"\\x{ord(ch):02x}" for ch in s)
    if len(s) > limit:
        s = s[: max(limit - 1, 1)] + "…"
    return s


def shown(value: object, limit: int = 80) -> str:
    """A value as echoed inside an error line: one line, bounded, ID numbers masked."""
    return one_line(value if isinstance(value, str) else repr(value), limit)
