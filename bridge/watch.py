"""A watched folder: a bounce that lands there is measured once it is complete.

:func:`watch_folder` polls the folder (no extra dependency: ``os.scandir`` every ``poll_s``).
A new audio file is handed to ``on_new(path)`` only once its size and modification time have
not changed for ``settle_s`` (a bounce still being written is not read). Files already there
when watching starts are ignored; a file is handed over again only if it changes (size or
modification time) after it was read. Non-audio files and hidden/partial files (``.name``,
``*.part``, ``*.tmp``) are ignored.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .audio_io import AUDIO_SUFFIXES


def is_audio(name: str) -> bool:
    return not name.startswith(".") and Path(name).suffix.lower() in AUDIO_SUFFIXES


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    try:
        with os.scandir(folder) as it:
            for e in it:
                if not is_audio(e.name):
                    continue
                try:
                    if not e.is_file():
                        continue
                    st = e.stat()
                except OSError:
                    continue
                out[e.path] = (st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        pass
    return out


def watch_folder(
    folder: str | os.PathLike[str],
    on_new: Callable[[Path], object],
    *,
    poll_s: float = 0.5,
    settle_s: float = 1.0,
    stop_event: threading.Event,
    on_error: Callable[[Path, BaseException], object] | None = None,
    on_ready: Callable[[], object] | None = None,
) -> int:
    """Watch ``folder`` until ``stop_event`` is set; returns how many files were handed over.

    ``on_new(path)`` is called from this thread for each new (or changed) audio file whose
    size and modification time stayed the same for ``settle_s``. An exception from
    ``on_new`` goes to ``on_error(path, exc)`` when given (the file counts as read), else it
    propagates. ``on_ready()`` is called once the files already there have been noted: a
    file that lands after it is new.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    poll_s = max(0.01, float(poll_s))
    settle_s = max(0.0, float(settle_s))
    done: dict[str, tuple[int, int]] = dict(_snapshot(folder))  # present at start: ignored
    pending: dict[str, tuple[tuple[int, int], float]] = {}  # path -> (signature, since)
    handed = 0
    if on_ready is not None:
        on_ready()
    while not stop_event.is_set():
        now = time.monotonic()
        snap = _snapshot(folder)
        for path in list(pending):
            if path not in snap:
                del pending[path]
        for path in list(done):
            if path not in snap:
                del done[path]  # deleted: a new file of that name later is new
        for path, sig in snap.items():
            if done.get(path) == sig:
                continue
            prev = pending.get(path)
            if prev is None or prev[0] != sig:
                pending[path] = (sig, now)
                continue
            if now - prev[1] >= settle_s and sig[0] > 0:
                del pending[path]
                done[path] = sig
                handed += 1
                try:
                    on_new(Path(path))
                except Exception as exc:  # noqa: BLE001 - reported, the watch goes on
                    if on_error is None:
                        raise
                    on_error(Path(path), exc)
                if stop_event.is_set():
                    break
        stop_event.wait(poll_s)
    return handed


class FolderWatcher:
    """:func:`watch_folder` on a thread of its own, started and stopped (the panel's watched
    bounce folder). ``on_new(path)`` is called from that thread; a file that fails in it is
    passed to ``on_error(path, exc)`` (default: ignored, the watch goes on)."""

    def __init__(self, folder: str | os.PathLike[str], on_new: Callable[[Path], object], *, settle_s: float = 1.0,
                 poll_s: float = 0.5, on_error: Callable[[Path, BaseException], object] | None = None) -> None:  # fmt: skip
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise NotADirectoryError(f"{self.folder} is not a folder")
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=watch_folder, name="secondear-watch", daemon=True, args=(self.folder, on_new),
            kwargs={"stop_event": self._stop, "settle_s": settle_s, "poll_s": poll_s,
                    "on_error": on_error or (lambda _p, _e: None)},
        )  # fmt: skip

    def start(self) -> FolderWatcher:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop watching; waits up to ``timeout_s`` for a bounce being handed over."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
