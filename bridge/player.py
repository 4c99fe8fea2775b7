"""Seamless A/B playback: one output stream, switched between A and B at the same place.

An engineer compares by flipping between the original and the processed audio without
losing the place in the music. :class:`ABPlayer` keeps one play position for both; the
audio callback (:meth:`ABPlayer.fill`, pure numpy, so it is tested without a sound card)
copies frames from whichever side is selected now and loops over the region. The stream
itself comes from ``sounddevice`` (:func:`bridge.audition.output_device`), which says
clearly when this machine cannot play.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from .audition import PlaybackUnavailable, output_device

#: Crossfade when switching sides, seconds: long enough to avoid a click, short enough to
#: keep the comparison instant.
SWITCH_FADE_S = 0.005


class ABPlayer:
    """A and B (float32 ``(channels, samples)``, same shape, loudness-matched already), and
    any more ``sides`` of the same shape (``"solo"``, ``"bypass"``: one move alone, the chain
    without it), all switched at the same play position."""

    def __init__(self, a: np.ndarray, b: np.ndarray, sample_rate_hz: float, *, loop: bool = True,
                 sides: Mapping[str, np.ndarray] | None = None) -> None:  # fmt: skip
        every = {"a": a, "b": b, **(sides or {})}
        for name, x in every.items():
            if x.shape != a.shape:
                raise ValueError(f"A {a.shape} and {name.upper() if len(name) == 1 else name} {x.shape} "
                                 "must have the same shape")  # fmt: skip
        if a.ndim != 2 or a.shape[1] == 0:
            raise ValueError("nothing to play: A and B hold no samples")
        # kept as given, (channels, samples): each block is transposed as it is played, so
        # pressing Play copies nothing (four sides of four minutes are 370 MB, and a copy
        # held the GUI thread for seconds)
        self._sides = {k: np.asarray(x, dtype=np.float32) for k, x in every.items()}
        self.sample_rate_hz = float(sample_rate_hz)
        self.loop = loop
        self.side = "a"
        self._previous: str | None = None
        self.position = 0  # frames
        self.finished = False
        self._lock = threading.Lock()
        self._stream: Any = None
        self._fade = max(1, int(SWITCH_FADE_S * self.sample_rate_hz))

    @property
    def frames(self) -> int:
        return self._sides["a"].shape[1]

    @property
    def side_names(self) -> tuple[str, ...]:
        return tuple(self._sides)

    def select(self, side: str) -> None:
        """Switch to ``side`` (``"a"``, ``"b"``, or one of the more sides) at the current
        position (a 5 ms crossfade)."""
        if side not in self._sides:
            raise ValueError(f"side must be one of {', '.join(map(repr, self._sides))}, not {side!r}")
        with self._lock:
            if side != self.side:
                self._previous = self.side
                self.side = side

    def seek(self, position_s: float) -> None:
        with self._lock:
            self.position = int(np.clip(position_s * self.sample_rate_hz, 0, self.frames - 1))
            self.finished = False

    def fill(self, out: np.ndarray) -> None:
        """Fill ``out`` (frames × channels, float32) from the selected side; silence after
        the end when not looping. This is the stream's callback body."""
        with self._lock:
            n = out.shape[0]
            done = 0
            src = self._sides[self.side]
            while done < n:
                if self.position >= self.frames:
                    if not self.loop:
                        out[done:] = 0.0
                        self.finished = True
                        break
                    self.position = 0
                take = min(n - done, self.frames - self.position)
                out[done : done + take] = src[: out.shape[1], self.position : self.position + take].T
                if self._previous is not None:
                    old = self._sides[self._previous][: out.shape[1], self.position : self.position + take].T
                    k = min(take, self._fade)
                    ramp = (np.arange(1, k + 1, dtype=np.float32) / k)[:, None]
                    out[done : done + k] = ramp * out[done : done + k] + (1 - ramp) * old[:k]
                    self._previous = None
                self.position += take
                done += take

    def play(self) -> None:
        """Start the output stream (raises :class:`PlaybackUnavailable` when none can open)."""
        sd = output_device()
        if self._stream is not None:
            return

        def callback(outdata, _frames, _time, _status) -> None:
            self.fill(outdata)

        try:
            self._stream = sd.OutputStream(samplerate=self.sample_rate_hz, channels=self._sides["a"].shape[0],
                                           dtype="float32", callback=callback)  # fmt: skip
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 — PortAudioError opening the stream
            self._stream = None
            raise PlaybackUnavailable(f"no audio output device that can play this ({exc})") from None

    def stop(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            finally:
                self._stream = None

    @property
    def playing(self) -> bool:
        return self._stream is not None
