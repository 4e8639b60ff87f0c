"""Reading text files: UTF-8 by default (a byte-order mark is allowed), GB18030 on request.

Hospital and civil-affairs systems in China often export GB18030 (GBK); every command that
reads files takes ``--encoding gb18030``. Bytes that are not valid in the chosen encoding give
one line naming the file, the byte offset and the option, never a traceback.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from jiuzhu.model.errors import InputError

ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
OPTION_HINT = "save it as UTF-8 or pass --encoding gb18030"


def codec(encoding: str | None) -> str:
    enc = (encoding or "utf-8").lower().replace("_", "-")
    enc = {"utf8": "utf-8", "gbk": "gb18030", "gb2312": "gb18030"}.get(enc, enc)
    if enc not in ENCODINGS:
        raise InputError("--encoding", encoding, f"expected one of {', '.join(ENCODINGS)}")
    return ENCODINGS[enc]


def bad_bytes(name: str, offset: int, encoding: str | None) -> InputError:
    other = "--encoding utf-8 (the default)" if codec(encoding) == "gb18030" else "--encoding gb18030"
    return InputError(name, None, f"not valid {(encoding or 'utf-8').upper()} text at byte offset {offset}; "
                                  f"save it as UTF-8 or try {other}")


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    try:
        return data.decode(codec(encoding))
    except UnicodeDecodeError as exc:
        raise bad_bytes(name, exc.start, encoding) from None


def read_text(path: str | Path, what: str = "file", encoding: str | None = None,
              max_bytes: int | None = None, limit_name: str = "case_file_bytes") -> str:
    """The text of ``path``; a missing, oversized or undecodable file is one :class:`InputError`."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise InputError(what, p.name, f"a file of at most {max_bytes:,} bytes, this one has {size:,} "
                                           f"(raise [limits] {limit_name} in jiuzhu.toml)")
        with open(p, "rb") as fh:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(what, str(p), "file not found") from None
    except IsADirectoryError:
        raise InputError(what, str(p), "a file, not a folder") from None
    except PermissionError:
        raise InputError(what, str(p), "a readable file (permission denied)") from None
    except OSError as exc:
        raise InputError(what, str(p), f"a readable file ({type(exc).__name__})") from None
    return decode(data, p.name, encoding)


def transcode_to_utf8(src: Path, dst, encoding: str | None, chunk: int = 1 << 20) -> bool:
    """Stream ``src`` into the binary file ``dst`` as UTF-8, checking every byte; returns whether the
    source was already plain UTF-8 (then nothing needs to be written)."""
    dec = codecs.getincrementaldecoder(codec(encoding))()
    offset, same = 0, codec(encoding) == "utf-8-sig"
    with open(src, "rb") as fh:
        if same and fh.read(3) == codecs.BOM_UTF8:
            same = False  # rewritten without the mark, which not every reader skips
        fh.seek(0)
        while True:
            block = fh.read(chunk)
            try:
                text = dec.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise bad_bytes(src.name, offset + exc.start, encoding) from None
            if dst is not None and not same:
                dst.write(text.encode("utf-8"))
            offset += len(block)
            if not block:
                return same
