"""The worker process a third-party plugin runs in, and the parent's handle on it.

Plugin code is foreign code: it can abort, segfault or loop forever in its process call.
:class:`~.host.ChainHost` therefore never loads a plugin itself; every external slot gets
its own worker process (``multiprocessing``, *spawn* start method: no inherited state, no
fork of a process that may hold threads) that loads the plugin with
``pedalboard.load_plugin`` and processes audio block by block. The parent
(:class:`PluginWorker`) waits for each answer with a timeout while watching the process's
sentinel, so it learns at once when the worker dies (:class:`WorkerCrashed`, with the
signal's name and the worker's last log lines) and kills it when it outlives the timeout
(:class:`WorkerTimedOut`). A Python-level error inside the worker (a bundle that does not
load, an unknown parameter) comes back as :class:`WorkerRemoteError`; the worker lives on.

The protocol, over one duplex pipe (the worker answers every request with
``("ok", value)`` or ``("error", type name, message)``; audio travels as raw float32
bytes in a second message after the tuple, channels first):

``("load", {"path", "plugin_name", "channels"})``
    Load the plugin, find its main bus (2 or 1 channels: it probes a 2-channel, then a
    1-channel silent buffer) and choose how it meets ``channels``-channel audio (see
    :data:`MODES`): a mono plugin on stereo audio is loaded twice (dual mono, linked
    settings). Answers the plugin's name, channels, mode, latency, parameter names.
``("configure", {"parameters", "raw_state"})``
    Put every instance in a known state: ``raw_state`` (opaque bytes from
    ``plugin.raw_state``) or, without one, the state the plugin had right after loading;
    then the parameter values (plugin units, pedalboard's names). With a ``raw_state``,
    values the state already holds are not set again: pedalboard re-quantizes a value it
    sets (ZamDelay's ``time_ms`` 160.0 becomes 160.98), and a snapshot's values must not
    move its own state. Answers the latency.
``("begin", {"sample_rate_hz", "buffer_frames"})``
    Reset the instances (clear delay lines, envelopes, reverb tails) for a new stream.
``("process", frames, channels)`` + bytes
    Process one block, streaming (``reset=False``); answers ``(frames_out, latency)`` +
    bytes. pedalboard drops the first ``latency`` output frames of a stream itself, so a
    stream's output is aligned with its input and ``latency`` frames short: the host
    flushes that many frames of silence at the end (see :mod:`.host`).
``("snapshot",)``
    The parameter values (meta parameters and read-only meters left out) and the raw
    state of the first instance (the others share its settings).
``("quit",)``
    Answer, then exit.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from .params import set_parameter

#: How a plugin meets the audio: plugin channels and audio channels → mode.
#: ``stereo`` (2 on 2), ``mono`` (1 on 1), ``dual_mono`` (one instance per channel, linked
#: settings: a mono plugin on stereo audio), ``stereo_on_mono`` (the mono channel is sent to
#: both inputs and the two outputs are averaged).
MODES = ("stereo", "mono", "dual_mono", "stereo_on_mono")

#: Parameters a plugin framework adds for the host (never part of a snapshot).
_META = frozenset({"buffer_size_frames", "sample_rate_frames", "latency_frames", "current_program"})
#: pedalboard guesses the channel axis from the shape: blocks shorter than this are padded.
MIN_BLOCK_FRAMES = 64


class WorkerCrashed(Exception):
    """The worker died mid-request. ``exitcode`` is the process's (negative: the signal)."""

    def __init__(self, message: str, exitcode: int | None) -> None:
        super().__init__(message)
        self.exitcode = exitcode


class WorkerTimedOut(Exception):
    """The worker did not answer within ``timeout_s``; it has been killed."""

    def __init__(self, message: str, timeout_s: float) -> None:
        super().__init__(message)
        self.timeout_s = timeout_s


class WorkerRemoteError(Exception):
    """A Python exception inside the worker (the worker lives on). ``kind`` is its type's name."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def describe_exit(exitcode: int | None) -> str:
    """``"killed by SIGABRT (signal 6)"``, ``"exited with status 3"``, …"""
    if exitcode is None:
        return "closed its pipe without exiting"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"killed by {name} (signal {-exitcode})"
    return f"exited with status {exitcode}"


class PluginWorker:
    """The parent's handle on one worker process (start, request, kill).

    ``label`` names the worker in messages and in its process title; the worker's stdout
    and stderr (plugins print) go to ``log_path``.
    """

    def __init__(self, *, label: str, log_path: str) -> None:
        self.label = label
        self.log_path = log_path
        self._process: Any = None
        self._conn: multiprocessing.connection.Connection | None = None

    # --- life --------------------------------------------------------------------------
    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        # the kernel's parent-death signal is tied to the thread that starts the worker: asked
        # for only from the main thread (a panel's render thread ends while the worker lives on)
        main = threading.current_thread() is threading.main_thread()
        self._process = ctx.Process(target=worker_main, args=(child_conn, self.log_path, os.getpid(), main),
                                    name=f"secondear-plugin {self.label}", daemon=True)  # fmt: skip
        self._process.start()
        child_conn.close()  # so that the parent sees EOF when the worker dies
        self._conn = parent_conn

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def kill(self) -> None:
        """Kill the worker (SIGKILL) and reap it; nothing is left behind."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self, timeout_s: float = 2.0) -> None:
        """Ask the worker to quit; kill it when it does not within ``timeout_s``."""
        if self._process is not None and self._process.is_alive() and self._conn is not None:
            try:
                self.request(("quit",), timeout_s=timeout_s)
                self._process.join(timeout_s)
            except (WorkerCrashed, WorkerTimedOut, WorkerRemoteError, OSError):
                pass
        self.kill()

    def log_tail(self, lines: int = 8) -> str:
        """The worker's last log lines (what the plugin printed), joined with `` | ``."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self.log_path) - 8192))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())

    # --- requests -----------------------------------------------------------------------
    def request(self, message: tuple[Any, ...], *, timeout_s: float,
                payload: bytes | memoryview | None = None) -> tuple[Any, bytes | None]:  # fmt: skip
        """Send ``message`` (and ``payload``), wait up to ``timeout_s`` for the answer.

        Returns ``(value, payload_or_None)``. Raises :class:`WorkerCrashed` when the worker
        dies first, :class:`WorkerTimedOut` (after killing it) when it does not answer in
        time, :class:`WorkerRemoteError` for an exception inside it.
        """
        if self._process is None or self._conn is None:
            raise WorkerCrashed(f"worker {self.label} is not running", None)
        try:
            self._conn.send(message)
            if payload is not None:
                self._conn.send_bytes(payload)
        except OSError:  # BrokenPipeError: it died before or while we wrote
            raise self._crashed() from None
        deadline = time.monotonic() + timeout_s
        reply = self._receive(deadline, timeout_s, message[0])
        data: bytes | None = None
        if reply[0] == "ok" and len(reply) > 2 and reply[2]:
            data = self._receive_bytes(deadline, timeout_s, message[0])
        if reply[0] == "error":
            raise WorkerRemoteError(reply[1], reply[2])
        return reply[1], data

    def _wait(self, deadline: float, timeout_s: float, what: str) -> None:
        assert self._conn is not None and self._process is not None
        while True:
            if self._conn.poll():
                return
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise WorkerTimedOut(f"no answer to {what!r} within {timeout_s:g} s", timeout_s)
            ready = multiprocessing.connection.wait([self._conn, self._process.sentinel], timeout=left)
            if self._conn in ready or self._conn.poll():
                return
            if ready:  # only the sentinel: it died without answering
                raise self._crashed()

    def _receive(self, deadline: float, timeout_s: float, what: str) -> tuple[Any, ...]:
        self._wait(deadline, timeout_s, what)
        assert self._conn is not None
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            raise self._crashed() from None

    def _receive_bytes(self, deadline: float, timeout_s: float, what: str) -> bytes:
        self._wait(deadline, timeout_s, what)
        assert self._conn is not None
        try:
            return self._conn.recv_bytes()
        except (EOFError, OSError):
            raise self._crashed() from None

    def _crashed(self) -> WorkerCrashed:
        proc = self._process
        code = None
        if proc is not None:
            proc.join(5)
            code = proc.exitcode
        tail = self.log_tail()
        self.kill()
        return WorkerCrashed(describe_exit(code) + (f"; its last output: {tail}" if tail else ""), code)


# --- the worker side -----------------------------------------------------------------------


#: How often (seconds) a worker checks that its parent is still there.
PARENT_CHECK_S = 0.5


def die_with_parent(parent_pid: int | None, *, death_signal: bool) -> None:
    """End this process when ``parent_pid`` dies, even by SIGKILL: on Linux the kernel's
    parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, when ``death_signal``), and
    everywhere a thread that checks every :data:`PARENT_CHECK_S` whether the process was
    re-parented. A plugin hanging in native code would otherwise keep the worker (and
    multiprocessing's resource tracker, which waits for it) running for ever."""
    if death_signal and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if parent_pid is None:
        return
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="secondear-parent-watch", daemon=True).start()


def worker_main(conn: multiprocessing.connection.Connection, log_path: str, parent_pid: int | None = None,
                death_signal: bool = False) -> None:  # fmt: skip
    """The worker process: answer requests until ``quit``, the pipe closes or the parent dies."""
    die_with_parent(parent_pid, death_signal=death_signal)
    try:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass
    state = _WorkerState()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        try:
            payload = conn.recv_bytes() if kind == "process" else None
            value, data = state.handle(message, payload)
        except Exception as exc:  # noqa: BLE001 - every error goes back to the parent
            conn.send(("error", type(exc).__name__, str(exc)))
            continue
        try:
            conn.send(("ok", value, data is not None))
        except Exception as exc:  # noqa: BLE001 - an answer that does not pickle (nothing was written)
            conn.send(("error", type(exc).__name__, f"the answer could not be sent: {exc}"))
            continue
        if data is not None:
            conn.send_bytes(data)
        if kind == "quit":
            return


class _WorkerState:
    def __init__(self) -> None:
        self.instances: list[Any] = []
        self.plugin_channels = 0
        self.audio_channels = 0
        self.mode = ""
        self.default_state: bytes | None = None
        self.sample_rate_hz = 48000.0
        self.buffer_frames = 8192

    def handle(self, message: tuple[Any, ...], payload: bytes | None) -> tuple[Any, bytes | None]:
        kind = message[0]
        if kind == "load":
            return self.load(**message[1]), None
        if kind == "configure":
            return self.configure(**message[1]), None
        if kind == "begin":
            self.sample_rate_hz = float(message[1]["sample_rate_hz"])
            self.buffer_frames = int(message[1]["buffer_frames"])
            for p in self.instances:
                p.reset()
            return None, None
        if kind == "process":
            return self.process(int(message[1]), int(message[2]), payload or b"")
        if kind == "snapshot":
            return self.snapshot(), None
        if kind == "quit":
            return None, None
        raise ValueError(f"unknown request {kind!r}")

    def load(self, path: str, plugin_name: str | None, channels: int) -> dict[str, Any]:
        import numpy as np
        import pedalboard

        first = pedalboard.load_plugin(path, plugin_name=plugin_name)
        plugin_channels = 0
        notes = []
        for n in (2, 1):
            try:
                first.process(np.zeros((n, 256), dtype=np.float32), 48000.0, buffer_size=256, reset=True)
                plugin_channels = n
                break
            except Exception as exc:  # noqa: BLE001 - "does not support 2-channel output …"
                notes.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        if not plugin_channels:
            raise RuntimeError(f"{path}: takes neither a 2- nor a 1-channel buffer ({'; '.join(notes)})")
        if plugin_channels == channels:
            mode, count = ("stereo" if channels == 2 else "mono"), 1
        elif plugin_channels == 1:
            mode, count = "dual_mono", channels
        elif channels == 1:
            mode, count = "stereo_on_mono", 1
        else:
            raise ValueError(f"a {plugin_channels}-channel plugin cannot process {channels}-channel audio")
        self.instances = [first] + [pedalboard.load_plugin(path, plugin_name=plugin_name) for _ in range(count - 1)]
        self.plugin_channels, self.audio_channels, self.mode = plugin_channels, channels, mode
        try:
            self.default_state = bytes(first.raw_state)
        except Exception:  # noqa: BLE001 - a plugin without state
            self.default_state = None
        return {
            "name": str(getattr(first, "name", "") or ""), "num_channels": plugin_channels, "mode": mode,
            "instances": count, "latency_samples": self.latency(),
            "parameters": [k for k in first.parameters.keys() if k not in _META],
        }  # fmt: skip

    def configure(self, parameters: dict[str, Any], raw_state: bytes | None) -> dict[str, Any]:
        state = raw_state if raw_state is not None else self.default_state
        for p in self.instances:
            if state is not None:
                p.raw_state = state
            for name, value in parameters.items():
                if name not in p.parameters:
                    raise KeyError(f"no parameter {name!r}; the plugin has: {', '.join(p.parameters.keys())}")
                if raw_state is not None and _same(_plain(getattr(p, name)), value):
                    continue  # the state has it already: setting it again would re-quantize it
                set_parameter(p, name, value)
        return {"latency_samples": self.latency()}

    def latency(self) -> int:
        return int(getattr(self.instances[0], "reported_latency_samples", 0) or 0) if self.instances else 0

    def process(self, frames: int, channels: int, payload: bytes) -> tuple[Any, bytes]:
        import numpy as np

        x = np.frombuffer(payload, dtype=np.float32).reshape(channels, frames)
        rate, buf = self.sample_rate_hz, self.buffer_frames
        if self.mode in ("stereo", "mono"):
            y = self.instances[0].process(x, rate, buffer_size=buf, reset=False)
        elif self.mode == "dual_mono":
            outs = [p.process(np.ascontiguousarray(x[c : c + 1]), rate, buffer_size=buf, reset=False)
                    for c, p in enumerate(self.instances)]  # fmt: skip
            y = np.concatenate([o[:1] for o in outs], axis=0)
        else:  # stereo_on_mono
            y2 = self.instances[0].process(np.repeat(x, 2, axis=0), rate, buffer_size=buf, reset=False)
            y = y2.mean(axis=0, keepdims=True)
        y = np.ascontiguousarray(y, dtype=np.float32)
        if y.ndim != 2 or y.shape[0] != channels:
            raise RuntimeError(f"the plugin returned {y.shape}, expected {channels} channels")
        return (int(y.shape[1]), self.latency()), y.tobytes()

    def snapshot(self) -> dict[str, Any]:
        p = self.instances[0]
        values: dict[str, Any] = {}
        for name, param in p.parameters.items():
            if name in _META or not getattr(param, "is_automatable", True):
                continue
            values[name] = _plain(getattr(p, name))
        try:
            raw: bytes | None = bytes(p.raw_state)
        except Exception:  # noqa: BLE001
            raw = None
        return {"parameters": values, "raw_state": raw}


def _plain(v: Any) -> float | bool | str:
    """A parameter's value as a plain, picklable bool, str or float (pedalboard wraps them)."""
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, str):
        return str(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _same(current: float | bool | str, wanted: Any) -> bool:
    if isinstance(current, float) and isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        return math.isclose(current, float(wanted), rel_tol=1e-9, abs_tol=1e-12)
    return bool(current == wanted)


def block_bounds(total_frames: int, block_frames: int, min_frames: int = MIN_BLOCK_FRAMES) -> Sequence[tuple[int, int]]:
    """``[(start, end), …]`` covering ``total_frames`` in blocks of ``block_frames``; a last
    block shorter than ``min_frames`` joins the one before it."""
    bounds = [(a, min(a + block_frames, total_frames)) for a in range(0, total_frames, block_frames)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < min_frames:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds
