"""What every command shares for robustness: one-line errors, the encoding option, early output checks."""

from __future__ import annotations

import os
import sys
import traceback
import uuid

import click

from jiuzhu.model.redact import LINE_LIMIT, one_line

encoding_option = click.option(
    "--encoding", "encoding", type=click.Choice(["utf-8", "gb18030"], case_sensitive=False), default="utf-8",
    show_default=True, help="Encoding of the input files (UTF-8 with or without BOM, or GB18030/GBK). 输入文件编码")


def error_line(message: object, limit: int | None = None) -> str:
    """The one line shown for an error: control characters escaped, ID numbers masked, bounded."""
    return one_line(message, limit or LINE_LIMIT)


def internal_error(exc: BaseException) -> str:
    """An unexpected failure: an error id and the exception type only (its text may hold personal
    data); ``JIUZHU_DEBUG=1`` shows the traceback instead."""
    eid = uuid.uuid4().hex[:12]
    if os.environ.get("JIUZHU_DEBUG") == "1":
        traceback.print_exception(exc, file=sys.stderr)
    return (f"错误 internal error {eid}: {type(exc).__name__} "
            f"(a fault in jiuzhu, not in the input; set JIUZHU_DEBUG=1 for details and report the id)")


def quiet_unraisable() -> None:
    """An exception Python cannot raise (a library's object failing again as it is collected after
    a write error) prints nothing: the command has already said what failed in its one line.
    ``JIUZHU_DEBUG=1`` shows it."""
    default = sys.unraisablehook

    def hook(unraisable):
        if os.environ.get("JIUZHU_DEBUG") == "1":
            default(unraisable)
    sys.unraisablehook = hook
