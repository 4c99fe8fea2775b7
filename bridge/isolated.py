"""A call in a child process with a deadline: what a decoder does there cannot stall us.

A decoder is native code reading bytes someone else chose. It may block (a file on a stuck
network mount), loop, or take far longer than anyone waits (a file with hours of audio),
and while it runs inside a thread of ours it may hold the GIL, and nothing stops a thread.
:func:`call_with_deadline` runs the call in a child process instead (``forkserver``: forked
from a clean, single-threaded server process that has the measuring modules loaded, so a
call starts in milliseconds), waits for its answer while watching a deadline and a cancel
event, and kills the child (SIGKILL) at either: the caller gets :class:`DeadlineExceeded`
or :class:`Cancelled` within a tick (:data:`POLL_S`), whatever the child is doing.

The child dies with us too: the kernel's parent-death signal and a re-parenting check
(:func:`bridge.plugins.worker.die_with_parent`; the forkserver exits when we do).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import BridgeError
from .plugins.worker import die_with_parent

T = TypeVar("T")

#: How often (seconds) the caller looks at the deadline and the cancel event.
POLL_S = 0.05
#: Modules the forkserver imports once, so that each child starts with them loaded.
PRELOAD = ["bridge.measure"]

_context_lock = threading.Lock()
_context = None


class DeadlineExceeded(BridgeError):
    """The call did not answer within its deadline; the child was killed."""


class Cancelled(BridgeError):
    """The cancel event was set while the call ran; the child was killed."""


def _forkserver():
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


def call_with_deadline(fn: Callable[..., T], *args: Any, timeout_s: float, what: str = "the call",
                       cancel: threading.Event | None = None) -> T:  # fmt: skip
    """``fn(*args)`` in a child process; its result (pickled back), or its exception raised here.

    ``fn`` and ``args`` must be picklable (a module-level function). ``what`` names the work
    in the messages.

    Raises
    ------
    DeadlineExceeded
        No answer within ``timeout_s`` seconds.
    Cancelled
        ``cancel`` was set first.
    BridgeError
        The child ended without an answer (killed from outside, crashed in native code).
    """
    ctx = _forkserver()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args), name="secondear-isolated", daemon=True)
    child.start()
    send.close()
    deadline = time.monotonic() + float(timeout_s)
    try:
        while True:
            if receive.poll(POLL_S):
                try:
                    ok, value = receive.recv()
                except (EOFError, OSError):
                    raise BridgeError(f"{what} ended without an answer ({_exit(child)})") from None
                break
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"{what} was stopped: the bridge is shutting down")
            if time.monotonic() > deadline:
                raise DeadlineExceeded(f"{what} took longer than {timeout_s:g} s and was stopped")
    finally:
        if child.is_alive():
            child.kill()
        child.join(5.0)
        receive.close()
    if ok:
        return value
    raise value


def _exit(child) -> str:
    child.join(1.0)
    code = child.exitcode
    if code is None:
        return "still running"
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _child(send, fn: Callable[..., Any], args: tuple) -> None:
    die_with_parent(os.getppid(), death_signal=True)
    try:
        answer = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller
        answer = (False, exc)
    try:
        send.send(answer)
    except Exception as exc:  # noqa: BLE001 - an exception or a result that does not pickle
        send.send((False, BridgeError(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()
