"""Bounds on what jiuzhu reads and renders (输入限制), set under ``[limits]`` in ``jiuzhu.toml``.

Every bound exists so that one bad or hostile file gives one error line instead of a hang or
an exhausted machine. The defaults suit county use; an integrator raises them where needed::

    [limits]
    case_file_bytes = 1_000_000        # a case file (TOML/JSON); a real case is a few kB
    nesting_depth = 20                 # tables/lists inside one another in a case file
    template_bytes = 50_000_000        # a .docx/.xlsx template, decompressed (zip bomb guard)
    template_seconds = 20              # rendering one template
    error_line_chars = 500             # one error line is cut here

A claims file has no row bound: it is streamed column by column. Amounts have one fixed
maximum, :data:`MAX_FEN`.
"""

from __future__ import annotations

import attrs

# 10^12 fen = 100亿元 for one amount: a million claims at the maximum still sum inside int64
# (9.2 × 10^18), so batch columns cannot overflow. Far above any medical bill.
MAX_FEN = 10**12

# A count a case gives (history.admissions: earlier stays this year): six digits, in a case and in a batch.
MAX_COUNT_DIGITS = 6
MAX_COUNT = 10**MAX_COUNT_DIGITS - 1


@attrs.frozen
class Limits:
    case_file_bytes: int = 1_000_000
    nesting_depth: int = 20
    template_bytes: int = 50_000_000
    template_seconds: int = 20
    error_line_chars: int = 500


FIELDS = tuple(a.name for a in attrs.fields(Limits))


def depth(value, limit: int) -> int:
    """The nesting depth of plain data (dicts and lists), walked without recursion; stops past ``limit``."""
    stack, deepest = [(value, 1)], 0
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            items = v.values()
        elif isinstance(v, list):
            items = v
        else:
            continue
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        stack.extend((x, d + 1) for x in items)
    return deepest
