"""Writing files so that a crash, a race or a full disk never leaves half a file behind.

Every output (audio, chain, preset, index) is written to a temporary file of its own in the
output's folder, named ``.NAME.XXXXXXXX.tmp`` (unique per write: two runs to the same output
never share one), flushed and fsynced, then renamed over ``NAME`` with ``os.replace``. A
reader sees the old file or the new one, whole; two writers to the same name leave one
writer's complete file; a run that fails leaves the old file as it was. A process killed
mid-write leaves its temporary file: the next write to the same name removes such orphans
once they are older than :data:`ORPHAN_AGE_S`.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import BridgeError

#: Temporary files of a killed write older than this (seconds, one hour) are removed by the
#: next write to the same name; younger ones may belong to a write still running.
ORPHAN_AGE_S = 3600.0
TMP_SUFFIX = ".tmp"


class OutputError(BridgeError, OSError):
    """An output cannot be written (or must not be): the message names it and says why."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()


def why(exc: OSError) -> str:
    """One line for an OS error: a full disk and a read-only file system said in words."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno == errno.EFBIG:
        return "the file is larger than this file system or process may write"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    return exc.strerror or str(exc)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` name one file: the same path, a symbolic link or a hard link
    (same device and inode)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_output(path: str | os.PathLike[str], *inputs: str | os.PathLike[str], try_write: bool = False) -> Path:
    """Refuse an output that would destroy an input or is not a place for a file.

    ``try_write`` also creates and removes a temporary file in the output's folder, so that
    a long render is not started for a folder that cannot take its result.

    Raises
    ------
    OutputError
        ``path`` is one of ``inputs`` (also through a link), an existing folder, device,
        FIFO or socket, or its folder does not exist.
    """
    p = Path(path)
    for i in inputs:
        if same_file(p, i):
            raise OutputError(f"-o {p} is the input file {i} (the same file on disk): write the result somewhere else")
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {why(exc)}") from exc
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, FIFO or socket)"
        raise OutputError(f"cannot write {p}: it is {kind}")
    folder = p.parent if str(p.parent) else Path(".")
    try:
        folder_ok = folder.is_dir()
    except OSError:
        folder_ok = False
    if not folder_ok:
        raise OutputError(f"cannot write {p}: the folder {folder} does not exist")
    if try_write:
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{p.name}.", suffix=TMP_SUFFIX)
        except OSError as exc:
            raise OutputError(f"cannot write {p}: {why(exc)}; nothing was written") from exc
        os.close(fd)
        os.unlink(tmp)
    return p


def orphans(path: str | os.PathLike[str], *, max_age_s: float = ORPHAN_AGE_S, now: float | None = None) -> list[Path]:
    """Temporary files of earlier writes to ``path`` (``.NAME.*.tmp``) older than ``max_age_s``."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    now = time.time() if now is None else now
    found = []
    try:
        candidates = list(folder.glob(f".{_glob_escape(p.name)}.*{TMP_SUFFIX}"))
    except OSError:
        return []
    for c in candidates:
        try:
            st = c.lstat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and now - st.st_mtime > max_age_s:
            found.append(c)
    return found


def clean_orphans(path: str | os.PathLike[str], *, max_age_s: float = ORPHAN_AGE_S) -> list[Path]:
    """Remove :func:`orphans` of ``path``; returns those removed."""
    removed = []
    for c in orphans(path, max_age_s=max_age_s):
        try:
            c.unlink()
            removed.append(c)
        except OSError:
            pass
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in name)


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content into; on a clean exit it is fsynced and
    renamed over ``path``, on an exception removed (``path`` untouched).

    Raises
    ------
    OutputError
        The folder cannot be written, the disk is full; ``path`` is then untouched.
    """
    p = check_output(path)
    folder = p.parent if str(p.parent) else Path(".")
    clean_orphans(p)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{p.name}.", suffix=TMP_SUFFIX)
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {why(exc)}; nothing was written") from exc
    try:
        try:
            mode = stat.S_IMODE(os.stat(p).st_mode)
        except OSError:
            mode = _MODE
        os.fchmod(fd, mode)
        fh = os.fdopen(fd, "wb")
        try:
            yield fh
            try:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
            except OSError as exc:
                raise OutputError(f"cannot write {p}: {why(exc)}; {_kept(p)}") from exc
        finally:
            _close_quietly(fh)
        try:
            os.replace(tmp, p)
        except OSError as exc:
            raise OutputError(f"cannot write {p}: {why(exc)}; {_kept(p)}") from exc
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _close_quietly(fh: BinaryIO) -> None:
    """Close ``fh`` after a failure, dropping what its buffer still holds: flushing it onto a
    full disk would raise again and hide the error that is being reported (the descriptor is
    closed all the same)."""
    try:
        fh.close()
    except OSError:
        pass


def _kept(p: Path) -> str:
    return "the previous file is unchanged" if p.exists() else "nothing was written"


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` through a unique temporary file in the same folder, fsync, rename.

    Raises
    ------
    OSError
        The folder cannot be written or the disk is full (an :class:`OutputError`); ``path``
        is then untouched and the temporary file removed.
    """
    p = Path(path)
    data = text.encode("utf-8")
    with atomic_output(p) as fh:
        try:
            fh.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write {p}: {why(exc)}; {_kept(p)}") from exc
    return p


def create_new_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` only if no file is there: the content goes to a unique
    temporary file (fsync) that is then hard-linked as ``path``, which the kernel refuses
    when ``path`` exists. Of two creators of one name, exactly one wins; the reader never
    sees a partial file.

    Raises
    ------
    FileExistsError
        ``path`` exists (another writer came first); nothing was written.
    OutputError
        The folder cannot be written or the disk is full.
    """
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{p.name}.", suffix=TMP_SUFFIX)
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {why(exc)}; nothing was written") from exc
    try:
        os.fchmod(fd, _MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, p)
    except FileExistsError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {why(exc)}; nothing was written") from exc
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return p


@contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``flock`` on the folder itself, POSIX: no lock
    file is left in it) while a look-then-write runs: other processes taking the same lock
    wait. The kernel releases it when the holder dies, even by SIGKILL."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
