"""Long work off the GUI thread: analysis, audition renders, exports, DAW pushes.

:class:`Jobs` runs a plain Python callable on a pool of Python threads and delivers its
result (or the exception) back on the GUI thread through queued signals, so a slot never
touches a widget from a worker thread. The callable may take a ``progress`` keyword: a
function of (done, total) that the panel's progress bar follows.

Python threads, not ``QThreadPool``: pedalboard (pybind11) can deadlock in a thread Python
did not create — opening a second ``AudioFile`` in a reused ``QThreadPool`` thread hung in
``AudioFile.file_dtype`` here (pedalboard 0.9.26, PyQt6 6.11), and never in a Python thread.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable
from typing import Any

from concurrent.futures import ThreadPoolExecutor, wait

from PyQt6.QtCore import QObject, pyqtSignal

#: Jobs that run at once (measuring, rendering and a DAW request can overlap).
MAX_WORKERS = 3


class _Signals(QObject):
    done = pyqtSignal(object)
    failed = pyqtSignal(object, str)
    progress = pyqtSignal(int, int)


def _run(fn: Callable[..., Any], signals: _Signals) -> None:  # a worker thread
    try:
        kwargs = {}
        if "progress" in inspect.signature(fn).parameters:
            kwargs["progress"] = lambda done, total: signals.progress.emit(int(done), int(total))
        result = fn(**kwargs)
    except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, shown there
        signals.failed.emit(exc, traceback.format_exc())
    else:
        signals.done.emit(result)


class Jobs(QObject):
    """Start background jobs; count the ones running (``busy`` is emitted on changes)."""

    busy = pyqtSignal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: set[_Signals] = set()
        self._futures: list[Any] = []
        self._closed = False
        self.pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="secondear-job")

    @property
    def running(self) -> int:
        return len(self._running)

    def start(self, fn: Callable[..., Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
              on_progress: Callable[[int, int], None] | None = None) -> None:  # fmt: skip
        """Run ``fn`` in the pool; ``on_done(result)`` or ``on_error(exc)`` on the GUI thread.
        After :meth:`close` nothing starts and nothing is delivered."""
        if self._closed:
            return
        signals = _Signals(self)
        self._running.add(signals)

        def finish() -> None:
            self._running.discard(signals)
            signals.deleteLater()
            if not self._running:
                self.busy.emit(False)

        def ok(result: Any) -> None:
            finish()
            if not self._closed:
                on_done(result)

        def bad(exc: BaseException, _tb: str) -> None:
            finish()
            if not self._closed:
                on_error(exc)

        signals.done.connect(ok)
        signals.failed.connect(bad)
        if on_progress is not None:
            signals.progress.connect(on_progress)
        if len(self._running) == 1:
            self.busy.emit(True)
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(self.pool.submit(_run, fn, signals))

    def close(self, timeout_ms: int = 10000) -> bool:
        """Shut down (the window closes): start nothing more, wait up to ``timeout_ms`` for
        the jobs running, and deliver none of their results, whose widgets are going away
        (a result delivered into a deleted window crashed the process)."""
        self._closed = True
        finished = self.wait(timeout_ms)
        self.pool.shutdown(wait=False, cancel_futures=True)
        return finished

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until every job started so far has finished (tests and shut-down); their
        results are delivered when the event loop runs next."""
        _, pending = wait(self._futures, timeout=timeout_ms / 1000)
        return not pending
