"""Worker processes for the panel's long work, without Qt.

numpy and pedalboard hold Python's GIL for hundreds of milliseconds at a time on a long
file (a filter over four minutes of audio, a loudness measure), and a worker *thread*
stalls the GUI thread that long (585 ms measured, benchmarks/bench_panel.py). A
:class:`~.tasks.Task` therefore runs in a worker process of a
:class:`concurrent.futures.ProcessPoolExecutor`:

* started with the *forkserver* method: a clean server process (no Qt, no threads) imports
  the tasks' modules once (:data:`PRELOAD`) and forks each worker from there, so a worker is
  ready in milliseconds after the first and never inherits the GUI's state;
* the task is pickled in the caller's thread when it is submitted (a snapshot of the
  session as it is then; a few kilobytes: the session goes without its audio) and runs in
  the caller's working folder and environment (relative paths and ``SECONDEAR_*`` settings
  mean the same there);
* its result comes back pickled, except arrays of :data:`SHARE_BYTES` or more (A, B, the
  solo and bypass: 90 MB each for four minutes): the worker writes those to a file in
  ``/dev/shm`` and the panel maps it (no copy, no time under the GIL) and removes it at once.
"""

from __future__ import annotations

import itertools
import mmap
import multiprocessing
import multiprocessing.connection
import os
import pickle
import shutil
import tempfile
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np

from bridge.runtime import tune_allocator

from .tasks import Task

#: Worker processes (the machine's cores, at most two: measuring and rendering overlap).
MAX_WORKERS = max(1, min(2, os.cpu_count() or 1))
#: Imported once by the fork server, so that each worker starts with them.
PRELOAD = ["ui.panel.tasks"]
#: How much less CPU time a worker asks for than the window's process (``nice``).
WORKER_NICENESS = 10
#: Arrays at least this large come back through a shared file, not the pipe.
SHARE_BYTES = 1 << 20


class TaskError(RuntimeError):
    """An error in a worker whose own exception cannot cross back (it does not pickle)."""


class WorkerPool:
    """Worker processes for tasks (:class:`~.tasks.Task`), started when the first one comes
    (or :meth:`warm`); :meth:`stop` ends them.

    Tasks are handed to the executor by one thread of this pool's own, never by the caller:
    starting a worker waits for the fork server, which imports the tasks' modules first
    (two seconds and more), and the GUI thread must not wait for that.
    """

    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        self.folder = tempfile.mkdtemp(prefix="secondear-panel-", dir=_shared_root())
        self.executor = ProcessPoolExecutor(max_workers=max_workers, mp_context=ctx, initializer=_worker_init,
                                            initargs=(self.folder,))  # fmt: skip
        self._submitter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="secondear-submit")

    def submit(self, task: Task) -> Future:
        """Run ``task`` in a worker; its future (an error when the pool broke: a worker was
        killed). The task is pickled here, in the caller's thread — the session as it is
        now — and raises when it cannot be."""
        return self._hand_over(_run, bytes(ForkingPickler.dumps(task)), os.getcwd(), dict(os.environ))

    def warm(self) -> Future:
        """Start a worker now (the fork server imports the tasks' modules meanwhile), so that
        the first real task does not wait for it."""
        return self._hand_over(os.getpid)

    def _hand_over(self, fn: Any, *args: Any) -> Future:
        outer: Future = Future()

        def go() -> None:
            try:
                inner = self.executor.submit(fn, *args)
            except BaseException as exc:  # noqa: BLE001 - the pool broke or stopped: the caller is told
                outer.set_exception(exc)
                return
            inner.add_done_callback(lambda f: _pass_on(f, outer))

        self._submitter.submit(go)
        return outer

    def stop(self) -> None:
        """Stop now: queued tasks are cancelled and running ones killed (their results were
        not going to be used), the shared folder removed."""
        self._submitter.shutdown(wait=False, cancel_futures=True)
        self.executor.shutdown(wait=False, cancel_futures=True)
        # the executor has no public way to end a running task (Python 3.14 adds terminate_workers)
        for p in list((getattr(self.executor, "_processes", None) or {}).values()):
            if p.is_alive():
                p.terminate()
        shutil.rmtree(self.folder, ignore_errors=True)


def _pass_on(inner: Future, outer: Future) -> None:
    if inner.cancelled():
        outer.cancel()
    elif inner.exception() is not None:
        outer.set_exception(inner.exception())
    else:
        outer.set_result(inner.result())


# -- in the worker ------------------------------------------------------------------------

_folder = ""
_counter = itertools.count()


def _worker_init(folder: str) -> None:
    global _folder
    _folder = folder
    tune_allocator()
    threading.Thread(target=_end_with_the_panel, name="secondear-panel-watch", daemon=True).start()
    try:
        os.nice(WORKER_NICENESS)  # the window's process first when the cores are busy
    except (AttributeError, OSError):
        pass
    ForkingPickler.register(np.ndarray, _reduce_array)


def _end_with_the_panel() -> None:
    """Exit when the panel's process has gone, however it went (a crash, a kill, ``os._exit``):
    a pool's workers otherwise wait for tasks forever, holding the fork server and the
    panel's standard output open. The shared folder goes with them."""
    panel = multiprocessing.parent_process()  # the process that made this worker, not the fork server
    if panel is None:
        return
    multiprocessing.connection.wait([panel.sentinel])
    shutil.rmtree(_folder, ignore_errors=True)
    os._exit(1)


def _run(payload: bytes, cwd: str, env: dict[str, str]) -> Any:
    try:
        os.chdir(cwd)
    except OSError:
        pass  # the folder went away: absolute paths still work
    os.environ.clear()
    os.environ.update(env)
    task = pickle.loads(payload)
    try:
        return task()
    except BaseException as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - its own type cannot cross: its words do
            raise TaskError(f"{type(exc).__name__}: {exc}") from None
        raise


def _reduce_array(a: np.ndarray) -> tuple[Any, tuple[Any, ...]]:
    if a.nbytes < SHARE_BYTES or a.dtype.hasobject or not os.path.isdir(_folder):
        return a.__reduce_ex__(pickle.DEFAULT_PROTOCOL)
    a = np.ascontiguousarray(a)
    path = os.path.join(_folder, f"{os.getpid()}-{next(_counter)}.array")
    with open(path, "wb") as f:
        a.tofile(f)
    return _attach, (path, a.dtype.str, a.shape)


# -- in the panel -------------------------------------------------------------------------


def _attach(path: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """The array a worker wrote to ``path``, mapped (copy on write) and the file removed."""
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    os.unlink(path)
    return np.frombuffer(mapped, dtype=np.dtype(dtype)).reshape(shape)


def _shared_root() -> str | None:
    """``/dev/shm`` (memory) where it exists; the temporary folder else."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
