"""Atomic outputs (原子写入): a file appears at its target path complete, or not at all.

Every file jiuzhu writes goes to a temporary file in the target's own folder (so the final
``os.replace`` is a rename on one filesystem) and is moved into place only once it is complete.
A write error (full disk, read-only folder) or a signal (SIGTERM, Ctrl-C) removes the temporary
file and leaves whatever was at the target before untouched; the command ends with one line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Iterator

from jiuzhu.model.errors import JiuzhuError

_UMASK = os.umask(0)
os.umask(_UMASK)


class OutputError(JiuzhuError):
    """An output cannot be written (no space, no permission, not a folder)."""


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C so every temporary file is removed on the way out."""

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(signum)
        self.signum = signum


def _why(exc: OSError) -> str:
    return {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
            errno.EACCES: "permission denied", errno.EPERM: "permission denied",
            errno.EROFS: "read-only filesystem", errno.ENOENT: "folder does not exist",
            errno.ENOTDIR: "a path component is not a folder", errno.EISDIR: "it is a folder",
            errno.ENAMETOOLONG: "name too long", errno.EFBIG: "file too large",
            errno.EIO: "input/output error"}.get(exc.errno, type(exc).__name__)


def output_error(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"output {target}: cannot write ({_why(exc)}); nothing was written there")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it onto ``target``, else remove it."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise output_error(target, exc) from None
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would make outputs private by accident
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise output_error(target, exc) from None
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = None):
    """``open()`` for writing, atomically: the file is only at ``target`` once closed without error."""
    binary = "b" in mode
    with atomic_path(target) as tmp:
        with open(tmp, mode, encoding=None if binary else encoding, newline=None if binary else newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_open(target, "wb") as fh:
        fh.write(data)
    return Path(target)


def save_document(target: str | os.PathLike, save) -> Path:
    """Write a document whose library saves through a zip writer (openpyxl, python-docx, docxtpl):
    ``save(buffer)`` builds it in memory, then it is written atomically. A write error inside the
    library (its own temporary files, lxml's ``IO_ENOSPC``) is the same one line as any other, and
    no half-closed zip file is left to fail again when it is collected."""
    import io

    target = Path(target)
    buf = io.BytesIO()
    try:
        save(buf)
    except OSError as exc:
        raise output_error(target, exc) from None
    except Exception as exc:
        if type(exc).__name__ != "SerialisationError":  # lxml.etree: an I/O error while serialising
            raise
        code = getattr(errno, str(exc).removeprefix("IO_"), None)
        raise output_error(target, OSError(code, str(exc)) if isinstance(code, int) else OSError()) from None
    return write_bytes(target, buf.getvalue())


def write_text(target: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    with atomic_open(target, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(target)


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike, replace: bool = False) -> Iterator[Path]:
    """Build a folder in a temporary sibling and move it onto ``target`` when complete."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    except OSError as exc:
        raise output_error(target, exc) from None
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_UMASK)
        if target.exists() and replace:
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            if target.exists():
                target.rmdir()  # an empty folder only; the caller refused a non-empty one
            os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise output_error(target, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _remove(p: Path) -> None:
    with contextlib.suppress(OSError):
        p.unlink()


def check_output(target: str | os.PathLike, suffixes: tuple[str, ...] | None = None, option: str = "--out",
                 folder: bool = False) -> Path:
    """Fail before any work if ``target`` cannot be written: wrong suffix, a folder where a file is
    wanted (or the reverse), or a folder jiuzhu may not write in."""
    p = Path(target)
    if suffixes is not None and not folder and p.suffix.lower() not in suffixes:
        raise OutputError(f"{option}: expected a file ending in {', '.join(suffixes)} (got {p.name})")
    if folder:
        if p.exists() and not p.is_dir():
            raise OutputError(f"{option}: expected a folder, {p} is a file")
        probe = p
    else:
        if p.is_dir():
            raise OutputError(f"{option}: expected a file, {p} is a folder")
        probe = p.parent
    while not probe.exists():  # the nearest existing ancestor is where folders would be created
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{option}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{option}: cannot write in {probe} (permission denied)")
    return p


def _raise_terminated(signum, _frame):
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """SIGTERM (and SIGHUP) unwind the program so temporary outputs are removed; main thread only."""
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, _raise_terminated)
