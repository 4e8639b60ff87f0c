"""TOML reading with the standard library's tomllib, falling back to tomli."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from jiuzhu.model.errors import InputError
from jiuzhu.model.text import read_text


def load_toml(path: Path, what: str = "file", encoding: str | None = None, max_bytes: int | None = None) -> dict:
    text = read_text(path, what, encoding, max_bytes)
    return loads_toml(text, Path(path).name)


def loads_toml(text: str, what: str = "input") -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(what, None, f"malformed TOML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise InputError(what, None, "malformed TOML: nested too deeply") from None
