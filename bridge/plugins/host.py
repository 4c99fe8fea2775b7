"""The chain host: rendering a chain of built-in Moves and third-party plugins, isolated.

A chain is an ordered list of slots. A slot is either a built-in
:class:`~analyzers.moves.Move` (rendered in this process by
:func:`bridge.render.render_move`) or a :class:`PluginSlot`: an external plugin (a VST3 or
AU bundle's path, optionally the plugin's name inside it, parameter values in the plugin's
units under pedalboard's names, optional opaque state bytes from ``plugin.raw_state``).

External plugins never run in this process. Each external slot has its own worker process
(:mod:`.worker`); audio goes to it through a pipe in blocks of ``block_frames``, and every
block has ``timeout_s`` seconds to come back. When a plugin crashes (a segfault, an abort)
or hangs, :class:`ChainHost` reports :class:`~bridge.errors.PluginCrashError` or
:class:`~bridge.errors.PluginHangError` naming the plugin and the slot, kills and forgets
the worker (the next render of that slot starts a fresh one: the worker is replaced), marks
the slot ``failed`` in the report, bypasses it (its input goes on unchanged) and renders the
rest of the chain: the other slots' output and the input audio are not lost.

How the audio meets a plugin:

* Channels: a stereo plugin on stereo audio as is; a mono plugin on stereo audio dual mono
  (two instances in the same worker, the same settings); a stereo plugin on a mono track
  gets the channel on both inputs and its two outputs are averaged.
* Sample rate and block size follow the audio: the plugin is prepared at the audio's
  sample rate with a block of ``min(block_frames, length)`` frames.
* Latency: the plugin's reported latency (pedalboard's ``reported_latency_samples``; DPF's
  ``latency_frames`` meta parameter does not read back as samples) is compensated: the head is trimmed so that the output lines up with
  the input sample for sample (pedalboard trims it from the first block of a stream; the
  host flushes the same number of frames of silence at the end so nothing is cut off, and
  trims the head itself when pedalboard did not). The report gives the latency.
* Tails: ``PluginSlot.tail_s`` seconds of silence are appended to the slot's input so
  that a reverb or delay rings out (by default the bundle's :data:`TAIL_S_HINTS` value:
  5 s for the Dragonfly reverbs, 0 for effects without a tail); the chain's output is
  longer than its input by the sum of the tails.
* Determinism: a render depends only on the slots, bit for bit, for every plugin tried
  except DragonflyRoomReverb 3.2.10, which differs from run to run even in process (its
  modulation is random; spin 0 and wander 0 do not stop it).

State: every render puts each plugin in a known state first (its ``raw_state`` when given,
else the state it had right after loading; then the parameter values) and resets it, so a
render depends only on the slots. :meth:`ChainHost.snapshot` returns the last chain with
every plugin slot's current parameter values and raw state filled in; rendering that
snapshot (in this host or another) reproduces the render bit for bit.

Typical use::

    with ChainHost() as host:
        result = host.render(audio, 48000, [Move("highpass", {"freq_hz": 30}),
                                            PluginSlot(path=".../ZamCompX2.vst3",
                                                       parameters={"threshold_db": -24})])
        result.audio, result.slots[1].latency_samples

As with every spawn-based use of ``multiprocessing``, a script that uses the host must
guard its entry point with ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from analyzers.moves import Move

from ..errors import BridgeError, PluginCrashError, PluginFailureError, PluginHangError
from ..render import render_move
from .worker import (
    PluginWorker,
    WorkerCrashed,
    WorkerRemoteError,
    WorkerTimedOut,
    block_bounds,
)

#: Seconds one block may take in a plugin before the plugin counts as hung.
DEFAULT_TIMEOUT_S = 10.0
#: Seconds loading and configuring a plugin may take (ZamVerb spends 45 s loading).
DEFAULT_LOAD_TIMEOUT_S = 120.0
#: Frames per block sent to a worker (and the most the plugin is prepared for).
DEFAULT_BLOCK_FRAMES = 16384
#: Tail lengths (seconds) that suit plugins which ring on, by bundle name prefix.
TAIL_S_HINTS: Mapping[str, float] = MappingProxyType(
    {"Dragonfly": 5.0, "ZamVerb": 5.0, "ZamDelay": 5.0, "ZamGrains": 2.0}
)


class PluginHostError(BridgeError):
    """A plugin could not be loaded or configured (a bad bundle, an unknown parameter).

    Unlike a crash or a hang this is not isolated: the render stops. ``plugin`` and ``slot``
    name it.
    """

    def __init__(self, message: str, *, plugin: str, slot: int) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.slot = slot


def tail_hint_s(path: str | os.PathLike[str]) -> float:
    """A sensible ``tail_s`` for the bundle at ``path`` (0 for effects without a tail)."""
    stem = Path(path).name
    return next((s for prefix, s in TAIL_S_HINTS.items() if stem.startswith(prefix)), 0.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginSlot:
    """One external plugin in a chain.

    Attributes
    ----------
    path : str
        The bundle (``….vst3`` or ``….component``).
    plugin_name : str or None
        The plugin inside a bundle that holds several (pedalboard's ``plugin_name``).
    parameters : mapping of str to float, bool or str
        Values in the plugin's units under pedalboard's names (``threshold_db``), applied
        after ``raw_state``.
    raw_state : bytes or None
        Opaque plugin state (``plugin.raw_state``) applied first; None: the plugin's state
        right after loading.
    tail_s : float or None
        Seconds of silence appended to this slot's input so that its tail rings out; None
        (the default): :func:`tail_hint_s` of the bundle (5 s for the Dragonfly reverbs,
        0 for effects without a tail).
    label : str or None
        The name used in reports and errors (default: ``plugin_name`` or the bundle's name).
    """

    path: str
    plugin_name: str | None = None
    parameters: Mapping[str, float | bool | str] = field(default_factory=dict)
    raw_state: bytes | None = None
    tail_s: float | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        if self.raw_state is not None:
            object.__setattr__(self, "raw_state", bytes(self.raw_state))
        if self.tail_s is not None and not self.tail_s >= 0:
            raise ValueError(f"tail_s must be 0 or more seconds, not {self.tail_s!r}")

    @property
    def effective_tail_s(self) -> float:
        """``tail_s``, or the bundle's :func:`tail_hint_s` when it is None."""
        return tail_hint_s(self.path) if self.tail_s is None else float(self.tail_s)

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if self.plugin_name:
            return self.plugin_name
        stem = Path(self.path).name
        return stem[: -len(Path(stem).suffix)] if Path(stem).suffix else stem


Slot = Move | PluginSlot


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotReport:
    """What happened in one slot of a render.

    ``kind`` is ``"builtin"`` or ``"plugin"``; ``status`` ``"ok"`` or ``"failed"`` (the slot
    was bypassed: its input went on unchanged); ``error`` the failure's message and
    ``error_type`` its class name. ``mode`` is how the plugin met the audio (``stereo``,
    ``mono``, ``dual_mono``, ``stereo_on_mono``; ``builtin`` for a Move).
    ``latency_samples`` is the latency the plugin reported at the audio's sample rate
    (compensated), ``tail_samples`` the silence appended for its tail, ``seconds`` the
    wall time the slot took (loading included), ``worker_pid`` the worker's process id.
    ``nonfinite_samples`` counts NaN and infinite samples in the slot's output (passed on as
    they are; ZamEQ2 4.2 outputs NaN under pedalboard, in process or not).
    """

    index: int
    name: str
    kind: str
    status: str
    mode: str
    latency_samples: int = 0
    tail_samples: int = 0
    seconds: float = 0.0
    worker_pid: int | None = None
    nonfinite_samples: int = 0
    error: str | None = None
    error_type: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainRender:
    """A render's outcome: ``audio`` (float32 ``(channels, samples)``; longer than
    ``input_audio`` by the tails), ``sample_rate_hz``, a :class:`SlotReport` per slot, and the
    failures (:class:`~bridge.errors.PluginFailureError`) of the slots that were bypassed."""

    audio: np.ndarray
    input_audio: np.ndarray
    sample_rate_hz: float
    slots: tuple[SlotReport, ...]
    errors: tuple[PluginFailureError, ...] = ()

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.slots)

    @property
    def failed(self) -> tuple[SlotReport, ...]:
        return tuple(s for s in self.slots if not s.ok)


@dataclass(slots=True)
class _Live:
    worker: PluginWorker
    key: tuple[str, str | None, int]
    info: dict[str, Any]


class ChainHost:
    """Renders chains of slots; runs each external plugin in its own worker process.

    Parameters
    ----------
    timeout_s : float
        Seconds one block may spend in a plugin (:class:`~bridge.errors.PluginHangError`
        after that).
    load_timeout_s : float
        Seconds loading, configuring or resetting a plugin may take.
    block_frames : int
        Frames per block sent to a worker.

    Use it as a context manager (or call :meth:`close`): the workers live until then, so a
    second render of the same plugin does not load it again (about 0.3 s saved per plugin).
    A host is not thread-safe: use one per thread (the GUI's render thread has its own).
    """

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S, load_timeout_s: float = DEFAULT_LOAD_TIMEOUT_S,
                 block_frames: int = DEFAULT_BLOCK_FRAMES) -> None:  # fmt: skip
        if block_frames < 256:
            raise ValueError(f"block_frames must be at least 256, not {block_frames}")
        self.timeout_s = float(timeout_s)
        self.load_timeout_s = float(load_timeout_s)
        self.block_frames = int(block_frames)
        self._live: dict[int, _Live] = {}
        self._slots: tuple[Slot, ...] = ()
        self._logs = tempfile.mkdtemp(prefix="secondear-host-")
        self._spawned = 0
        self._closed = False

    def __enter__(self) -> ChainHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a host left open must not leave processes behind
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        """Stop every worker (politely, then SIGKILL) and remove their logs."""
        for live in self._live.values():
            live.worker.close()
        self._live.clear()
        if not self._closed:
            shutil.rmtree(self._logs, ignore_errors=True)
        self._closed = True

    @property
    def worker_pids(self) -> dict[int, int]:
        """Slot index → process id of its live worker."""
        return {i: live.worker.pid for i, live in self._live.items() if live.worker.pid is not None}

    # --- rendering -------------------------------------------------------------------------
    def render(self, audio: np.ndarray, sample_rate_hz: float, slots: Sequence[Slot], *,
               on_failure: Literal["raise", "bypass"] = "raise") -> ChainRender:  # fmt: skip
        """Render ``audio`` (float32 ``(channels, samples)``, 1 or 2 channels) through ``slots``.

        A slot whose plugin crashes or hangs is bypassed and marked failed, and the rest of
        the chain is rendered. Then, with ``on_failure="raise"`` (the default), the first
        such failure is raised (:class:`~bridge.errors.PluginCrashError` or
        :class:`~bridge.errors.PluginHangError`) with the whole :class:`ChainRender` in its
        ``result``; with ``"bypass"`` the ChainRender is returned and its ``errors`` hold them.

        Raises
        ------
        PluginHostError
            A plugin cannot be loaded or configured (the render stops there).
        ValueError
            The audio is not 1 or 2 channels, or the sample rate is not positive.
        """
        if self._closed:
            raise RuntimeError("this ChainHost is closed")
        if on_failure not in ("raise", "bypass"):
            raise ValueError(f"on_failure must be 'raise' or 'bypass', not {on_failure!r}")
        x = np.asarray(audio, dtype=np.float32)
        if x.ndim == 1:
            x = x[np.newaxis, :]
        if x.ndim != 2 or x.shape[0] not in (1, 2):
            raise ValueError(f"audio must be (channels, samples) with 1 or 2 channels, not shape {x.shape}")
        rate = float(sample_rate_hz)
        if not rate > 0:
            raise ValueError(f"sample_rate_hz must be positive, not {sample_rate_hz!r}")
        x = np.ascontiguousarray(x)
        slots = tuple(slots)
        for i in [i for i in self._live if i >= len(slots) or not isinstance(slots[i], PluginSlot)]:
            self._live.pop(i).worker.close()  # slots that are gone or no longer a plugin
        self._slots = slots

        y = x.copy()
        reports: list[SlotReport] = []
        errors: list[PluginFailureError] = []
        for i, slot in enumerate(slots):
            started = time.monotonic()
            if isinstance(slot, Move):
                y = render_move(y, rate, slot)
                reports.append(SlotReport(index=i, name=slot.kind, kind="builtin", status="ok", mode="builtin",
                                          seconds=time.monotonic() - started))  # fmt: skip
                continue
            if not isinstance(slot, PluginSlot):
                raise TypeError(f"slot {i} is a {type(slot).__name__}, not a Move or a PluginSlot")
            try:
                y, info = self._render_plugin(i, slot, y, rate)
            except PluginFailureError as exc:
                errors.append(exc)
                reports.append(SlotReport(
                    index=i, name=slot.name, kind="plugin", status="failed", mode="bypassed",
                    seconds=time.monotonic() - started, error=str(exc), error_type=type(exc).__name__,
                ))  # fmt: skip
                continue
            reports.append(SlotReport(
                index=i, name=slot.name, kind="plugin", status="ok", mode=info["mode"],
                latency_samples=info["latency_samples"], tail_samples=info["tail_samples"],
                seconds=time.monotonic() - started, worker_pid=info["pid"],
                nonfinite_samples=int(y.size - np.count_nonzero(np.isfinite(y))),
            ))  # fmt: skip
        result = ChainRender(audio=y, input_audio=x, sample_rate_hz=rate, slots=tuple(reports), errors=tuple(errors))
        for exc in errors:
            exc.result = result
        if errors and on_failure == "raise":
            raise errors[0]
        return result

    def snapshot(self) -> tuple[Slot, ...]:
        """The last rendered chain, each live plugin slot with its current ``parameters`` and
        ``raw_state`` filled in (Moves and failed slots as given). Render it to reproduce
        the render bit for bit."""
        out: list[Slot] = []
        for i, slot in enumerate(self._slots):
            live = self._live.get(i)
            if isinstance(slot, PluginSlot) and live is not None and live.worker.alive:
                snap = self._call(i, slot, live, ("snapshot",), self.load_timeout_s, stage="snapshot")[0]
                slot = replace(slot, parameters=snap["parameters"], raw_state=snap["raw_state"])
            out.append(slot)
        return tuple(out)

    # --- one plugin slot ---------------------------------------------------------------------
    def _render_plugin(self, i: int, slot: PluginSlot, x: np.ndarray, rate: float) -> tuple[np.ndarray, dict[str, Any]]:
        channels, n = x.shape
        live = self._worker_for(i, slot, channels)
        conf = self._call(i, slot, live, ("configure", {"parameters": dict(slot.parameters),
                                                        "raw_state": slot.raw_state}),
                          self.load_timeout_s, stage="configure")[0]  # fmt: skip
        tail = int(round(slot.effective_tail_s * rate))
        total = n + tail
        stream = np.zeros((channels, max(total, 64)), dtype=np.float32)
        stream[:, :n] = x
        buffer_frames = min(self.block_frames, stream.shape[1])
        self._call(i, slot, live, ("begin", {"sample_rate_hz": rate, "buffer_frames": buffer_frames}),
                   self.load_timeout_s, stage="reset")  # fmt: skip
        outs: list[np.ndarray] = []
        latency = int(conf["latency_samples"])
        for a, b in block_bounds(stream.shape[1], buffer_frames):
            out, latency = self._process(i, slot, live, stream[:, a:b])
            outs.append(out)
        fed = stream.shape[1]
        produced = sum(o.shape[1] for o in outs)
        if latency > 0:  # flush: the last `latency` frames are still inside the plugin
            flush = np.zeros((channels, max(latency, 64)), dtype=np.float32)
            out, _ = self._process(i, slot, live, flush)
            outs.append(out)
            fed += flush.shape[1]
            produced += out.shape[1]
        y = np.concatenate(outs, axis=1) if outs else np.zeros((channels, 0), np.float32)
        trimmed_by_pedalboard = fed - produced
        if latency > 0 and trimmed_by_pedalboard < latency:  # trim the rest of the head ourselves
            y = y[:, latency - max(0, trimmed_by_pedalboard) :]
        if y.shape[1] < total:
            y = np.concatenate([y, np.zeros((channels, total - y.shape[1]), np.float32)], axis=1)
        y = np.ascontiguousarray(y[:, :total], dtype=np.float32)
        return y, {"mode": live.info["mode"], "latency_samples": latency, "tail_samples": tail,
                   "pid": live.worker.pid}  # fmt: skip

    def _process(self, i: int, slot: PluginSlot, live: _Live, block: np.ndarray) -> tuple[np.ndarray, int]:
        block = np.ascontiguousarray(block, dtype=np.float32)
        channels, frames = block.shape
        (frames_out, latency), data = self._call(i, slot, live, ("process", frames, channels), self.timeout_s,
                                                 stage="process", payload=memoryview(block).cast("B"))  # fmt: skip
        y = np.frombuffer(data or b"", dtype=np.float32).reshape(channels, frames_out)
        return y, int(latency)

    def _worker_for(self, i: int, slot: PluginSlot, channels: int) -> _Live:
        key = (slot.path, slot.plugin_name, channels)
        live = self._live.get(i)
        if live is not None and live.key == key and live.worker.alive:
            return live
        if live is not None:
            self._live.pop(i).worker.close()
        self._spawned += 1
        log = os.path.join(self._logs, f"{self._spawned}-slot{i}-{Path(slot.path).name}.log")
        worker = PluginWorker(label=f"slot {i} {slot.name}", log_path=log)
        worker.start()
        live = _Live(worker=worker, key=key, info={})
        self._live[i] = live
        live.info = self._call(i, slot, live, ("load", {"path": slot.path, "plugin_name": slot.plugin_name,
                                                        "channels": channels}),
                               self.load_timeout_s, stage="load")[0]  # fmt: skip
        return live

    def _call(self, i: int, slot: PluginSlot, live: _Live, message: tuple[Any, ...], timeout_s: float, *,
              stage: str, payload: Any = None) -> tuple[Any, bytes | None]:  # fmt: skip
        """One request to the slot's worker; turns the worker's failures into the bridge's errors."""
        try:
            return live.worker.request(message, timeout_s=timeout_s, payload=payload)
        except WorkerCrashed as exc:
            self._forget(i, live)
            raise PluginCrashError(
                f"plugin {slot.name} in slot {i} crashed during {stage}: its worker process {exc}; "
                "the slot is bypassed and a new worker will load it next time",
                plugin=slot.name, slot=i, detail=str(exc),
            ) from None  # fmt: skip
        except WorkerTimedOut as exc:
            self._forget(i, live)
            raise PluginHangError(
                f"plugin {slot.name} in slot {i} hung during {stage}: no answer within {exc.timeout_s:g} s, "
                "its worker process was killed; the slot is bypassed and a new worker will load it next time",
                plugin=slot.name, slot=i, detail=str(exc),
            ) from None  # fmt: skip
        except WorkerRemoteError as exc:
            if stage == "load":
                self._forget(i, live)
            raise PluginHostError(f"plugin {slot.name} in slot {i}: {stage} failed: {exc}",
                                  plugin=slot.name, slot=i) from None  # fmt: skip
        except BaseException:  # KeyboardInterrupt mid-request: its answer would confuse the next one
            self._forget(i, live)
            raise

    def _forget(self, i: int, live: _Live) -> None:
        live.worker.kill()
        if self._live.get(i) is live:
            del self._live[i]
