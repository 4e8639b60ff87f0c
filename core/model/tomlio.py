"""TOML reading with the standard library's tomllib, falling back to tomli."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from jiuzhu.model.errors import InputError


def load_toml(path: Path, what: str = "file") -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(what, str(path), "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), None, f"malformed TOML: {exc}") from None


def loads_toml(text: str, what: str = "input") -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(what, None, f"malformed TOML: {exc}") from None
