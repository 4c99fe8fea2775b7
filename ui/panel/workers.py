"""Long work off the GUI thread: analysis, audition renders, exports, DAW pushes.

:class:`Jobs` runs a :class:`~.tasks.Task` (measuring, rendering, exporting) in a worker
process (:class:`~.processes.WorkerPool`: numpy and pedalboard hold the GIL too long for a
thread to leave the window responsive), and any other plain Python callable on a pool of
Python threads (DAW requests, plugin checks: mostly waiting). Either way the result (or the
exception) comes back on the GUI thread through queued signals, so a slot never touches a
widget from another thread. A callable run in a thread may take a ``progress`` keyword: a
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

from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from PyQt6.QtCore import QObject, pyqtSignal

from .processes import WorkerPool
from .tasks import Task

#: Thread jobs that run at once (a DAW request and a plugin check can overlap).
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
    """Start background jobs; count the ones running (``busy`` is emitted on changes).

    ``processes``: the worker processes tasks run in (shared, e.g. started early by the
    composition root); made when the first task comes when not given, and stopped with
    these jobs then."""

    busy = pyqtSignal(bool)

    def __init__(self, parent: QObject | None = None, *, processes: WorkerPool | None = None) -> None:
        super().__init__(parent)
        self._running: set[_Signals] = set()
        self._futures: list[Any] = []
        self._closed = False
        self.pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="secondear-job")
        self.processes = processes
        self._own_processes = processes is None

    @property
    def running(self) -> int:
        return len(self._running)

    def start(self, fn: Callable[..., Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
              on_progress: Callable[[int, int], None] | None = None) -> None:  # fmt: skip
        """Run ``fn`` (a :class:`~.tasks.Task` in a worker process, anything else in a thread);
        ``on_done(result)`` or ``on_error(exc)`` on the GUI thread. After :meth:`close`
        nothing starts and nothing is delivered."""
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
        if isinstance(fn, Task):
            self._futures.append(self._in_process(fn, signals))
        else:
            self._futures.append(self.pool.submit(_run, fn, signals))

    def _in_process(self, task: Task, signals: _Signals) -> Future:
        """Submit ``task`` to the worker processes; the future :meth:`wait` waits for, done
        once the result is handed to the GUI thread (as a thread job's is)."""
        delivered: Future = Future()

        def back(f: Future) -> None:  # the executor's thread
            try:
                if f.cancelled():  # the pool stopped: nobody waits for it
                    return
                exc = f.exception()
                if isinstance(exc, BrokenProcessPool):
                    self._broken()
                    exc = RuntimeError(f"the worker process {task.name} ran in stopped (killed, or a plugin crashed "
                                       "it); try again")  # fmt: skip
                if exc is None:
                    signals.done.emit(f.result())
                else:
                    signals.failed.emit(exc, "")
            finally:
                delivered.set_result(None)

        try:
            if self.processes is None:
                self.processes = WorkerPool()
            future = self.processes.submit(task)
        except Exception as exc:  # noqa: BLE001 - a task that cannot be pickled: said like its failure
            signals.failed.emit(exc, traceback.format_exc())
            delivered.set_result(None)
            return delivered
        future.add_done_callback(back)
        return delivered

    def _broken(self) -> None:
        """The worker pool broke (a worker was killed): the next task gets a new one."""
        broken, self.processes = self.processes, None
        if broken is not None and self._own_processes:
            broken.stop()
        self._own_processes = True

    def close(self, timeout_ms: int = 10000) -> bool:
        """Shut down (the window closes): start nothing more, stop the worker processes (their
        tasks' results are not wanted any more), wait up to ``timeout_ms`` for the threads
        running, and deliver none of their results, whose widgets are going away (a result
        delivered into a deleted window crashed the process)."""
        self._closed = True
        if self.processes is not None and self._own_processes:
            self.processes.stop()
        finished = self.wait(timeout_ms)
        self.pool.shutdown(wait=False, cancel_futures=True)
        return finished

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until every job started so far has finished (tests and shut-down); their
        results are delivered when the event loop runs next."""
        _, pending = wait(self._futures, timeout=timeout_ms / 1000)
        return not pending
