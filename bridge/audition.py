"""A/B audition: the original (A) against the processed (B), loudness-matched.

:func:`audition` renders a chain over the whole file or a region of it and returns A and
B over the same samples, with the louder of the two turned down so that both have the
same integrated loudness (BS.1770-4, measured with
:func:`analyzers.loudness_meter.integrated_lufs`, the figure :func:`analyzers.analyze`
gives): a louder version always sounds "better", so the comparison is only fair at equal
loudness. The
gain applied to each and the loudness offset removed are reported, with the latency the
chain host compensated (plugins' reported latency; A and B line up sample for sample).

:func:`audition_variants` adds more sides to the same comparison — one move heard alone
("solo") and the chain without it ("bypass") — rendered over the same samples and matched
to the same loudness as A and B (every side turned down to the quietest one), so that a
player can switch between any of them at the same play position.

A region is rendered with up to :data:`PRE_ROLL_S` seconds of the audio before it, so that
compressors, filters and reverbs are in their running state when the region starts; the
pre-roll and the plugins' tails are cut off, so B is exactly as long as A.

:func:`play` plays a buffer with ``sounddevice`` (the optional extra ``audio``:
``pip install 'secondear[audio]'``) when it is installed and an output device exists;
otherwise it plays nothing and says why (:class:`PlaybackUnavailable`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analyzers.loudness_meter import integrated_lufs

from .errors import BridgeError
from .render import finite, silenced_note
from .slots import render_slots

#: Seconds of audio before a region rendered with it (then cut off).
PRE_ROLL_S = 2.0


class AuditionError(BridgeError, ValueError):
    """A region that does not fit the audio, or a chain that cannot be auditioned."""


class PlaybackUnavailable(BridgeError):
    """Nothing can be played here (no ``sounddevice``, no PortAudio, no output device)."""


def parse_region(text: str) -> tuple[float, float]:
    """``START:END`` in seconds (``30:45``, ``1.5:3``) → ``(start_s, end_s)``."""
    start, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError
        a, b = float(start), float(end)
    except ValueError:
        raise AuditionError(f"region {text!r} is not START:END in seconds, e.g. 30:45") from None
    if not (math.isfinite(a) and math.isfinite(b)) or a < 0 or b <= a:
        raise AuditionError(f"region {text!r}: START must be 0 or more and END after it")
    return a, b


@dataclass(frozen=True, slots=True)
class Audition:
    """A and B over the same samples, loudness-matched.

    ``a``/``b`` are float32 ``(channels, samples)`` after matching; ``region_s`` the span
    auditioned (seconds); ``a_lufs``/``b_lufs`` the integrated loudness before matching
    (None for silence); ``offset_db`` = ``b_lufs − a_lufs`` (the difference removed);
    ``gain_a_db``/``gain_b_db`` the gains applied (one is 0: the louder is turned down);
    ``matched_a_lufs``/``matched_b_lufs`` measured after matching; ``latency_samples`` the
    latency the host compensated; ``slots`` the host's report per slot.
    """

    a: np.ndarray
    b: np.ndarray
    sample_rate_hz: float
    region_s: tuple[float, float]
    a_lufs: float | None
    b_lufs: float | None
    offset_db: float | None
    gain_a_db: float
    gain_b_db: float
    matched_a_lufs: float | None
    matched_b_lufs: float | None
    latency_samples: int
    tail_samples: int
    slots: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...] = ()
    sides: Mapping[str, np.ndarray] = field(default_factory=dict)
    side_lufs: Mapping[str, float | None] = field(default_factory=dict)
    side_gain_db: Mapping[str, float] = field(default_factory=dict)

    def side(self, name: str) -> np.ndarray:
        """The audio of side ``name``: ``"a"``, ``"b"`` or one of :attr:`sides` (KeyError else)."""
        if name == "a":
            return self.a
        if name == "b":
            return self.b
        return self.sides[name]

    @property
    def side_names(self) -> tuple[str, ...]:
        return ("a", "b", *self.sides)

    def to_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(float(v), 3)  # noqa: E731
        return {
            "region_s": [round(self.region_s[0], 3), round(self.region_s[1], 3)],
            "sample_rate_hz": self.sample_rate_hz, "samples": int(self.a.shape[1]),
            "a_lufs": r(self.a_lufs), "b_lufs": r(self.b_lufs), "offset_db": r(self.offset_db),
            "gain_a_db": r(self.gain_a_db), "gain_b_db": r(self.gain_b_db),
            "matched_a_lufs": r(self.matched_a_lufs), "matched_b_lufs": r(self.matched_b_lufs),
            "latency_samples": self.latency_samples, "tail_samples": self.tail_samples,
            "slots": list(self.slots), "warnings": list(self.warnings),
            **({"sides": {k: {"lufs": r(self.side_lufs.get(k)), "gain_db": r(self.side_gain_db.get(k))}
                          for k in self.sides}} if self.sides else {}),
        }  # fmt: skip


def _lufs(x: np.ndarray, rate: float) -> float | None:
    return integrated_lufs(x, rate)


def audition(audio: np.ndarray, sample_rate_hz: float, slots: Sequence[Any], *,
             region_s: tuple[float, float] | None = None, host: Any = None) -> Audition:  # fmt: skip
    """Render ``slots`` over ``region_s`` (seconds; None: the whole audio) and match loudness.

    Raises
    ------
    AuditionError
        The region starts after the audio ends, or is shorter than 0.4 s (loudness needs
        one 400 ms block).
    """
    return audition_variants(audio, sample_rate_hz, slots, {}, region_s=region_s, host=host)


def audition_variants(audio: np.ndarray, sample_rate_hz: float, slots: Sequence[Any],
                      variants: Mapping[str, Sequence[Any]], *, region_s: tuple[float, float] | None = None,
                      host: Any = None) -> Audition:  # fmt: skip
    """:func:`audition` with more sides: each of ``variants`` (a name → its slots, e.g.
    ``{"solo": [move], "bypass": other_moves}``; no slots: the original) rendered over the
    same samples; every side (A, B and the variants) turned down to the quietest one's
    integrated loudness. With no variants this is exactly the A/B (the louder of A and B
    turned down to the other).

    Raises
    ------
    AuditionError
        As :func:`audition`; a variant named ``a`` or ``b``.
    """
    if {"a", "b"} & set(variants):
        raise AuditionError("a variant cannot be called 'a' or 'b': those are the original and the chain")
    x = np.ascontiguousarray(audio, dtype=np.float32)
    rate = float(sample_rate_hz)
    n = x.shape[1]
    duration = n / rate
    warnings: list[str] = []
    damaged = int(x.size - np.count_nonzero(np.isfinite(x)))
    if damaged:  # A plays them as silence too, as the renders of B take them
        x = finite(x)
        warnings.append(silenced_note(damaged))
    if region_s is None:
        a0, a1 = 0, n
    else:
        if region_s[0] >= duration:
            raise AuditionError(f"region {region_s[0]:g}:{region_s[1]:g} s starts after the audio ends ({duration:.2f} s)")
        if region_s[1] > duration:
            warnings.append(f"the region ends after the audio: auditioning up to {duration:.2f} s")
        a0, a1 = int(round(region_s[0] * rate)), min(n, int(round(region_s[1] * rate)))
    if (a1 - a0) < int(0.4 * rate):
        raise AuditionError("the region is shorter than 0.4 s: too short to measure its loudness")
    pre = min(a0, int(PRE_ROLL_S * rate))
    a = x[:, a0:a1]  # a view: every use below makes a new array (no 90 MB copy under the GIL for 4 minutes)
    rendered = _render_side(x, rate, slots, a0, a1, pre, host)
    b = rendered.audio
    if rendered.tail_samples:
        warnings.append(f"the plugins' tails ({rendered.tail_samples} samples) are cut at the region's end")
    extra = {name: (a.copy() if not len(v) else _render_side(x, rate, v, a0, a1, pre, host).audio)
             for name, v in variants.items()}  # fmt: skip
    loud = {"a": _lufs(a, rate), "b": _lufs(b, rate), **{k: _lufs(v, rate) for k, v in extra.items()}}
    gains = {k: 0.0 for k in loud}
    offset = None
    if any(v is None for v in loud.values()):
        warnings.append("A or B is silent: no loudness to match, both play as rendered" if not extra else
                        "a side is silent: no loudness to match, every side plays as rendered")  # fmt: skip
    else:
        offset = loud["b"] - loud["a"]
        quietest = min(loud.values())
        gains = {k: quietest - v for k, v in loud.items()}
    level = lambda k, y: (y * np.float32(10 ** (gains[k] / 20))).astype(np.float32)  # noqa: E731
    a, b = level("a", a), level("b", b)
    extra = {k: level(k, v) for k, v in extra.items()}
    return Audition(
        a=a, b=b, sample_rate_hz=rate, region_s=(a0 / rate, a1 / rate), a_lufs=loud["a"], b_lufs=loud["b"],
        offset_db=offset, gain_a_db=gains["a"], gain_b_db=gains["b"],
        matched_a_lufs=_lufs(a, rate) if offset is not None else loud["a"],
        matched_b_lufs=_lufs(b, rate) if offset is not None else loud["b"],
        latency_samples=rendered.latency_samples, tail_samples=rendered.tail_samples,
        slots=rendered.reports, warnings=tuple(warnings), sides=extra,
        side_lufs={k: loud[k] for k in extra}, side_gain_db={k: gains[k] for k in extra},
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Side:
    audio: np.ndarray
    latency_samples: int
    tail_samples: int
    reports: tuple[dict[str, Any], ...]


def _render_side(x: np.ndarray, rate: float, slots: Sequence[Any], a0: int, a1: int, pre: int, host: Any) -> _Side:
    """``slots`` rendered over samples ``a0:a1`` with ``pre`` samples of pre-roll (cut off)."""
    rendered = render_slots(x[:, a0 - pre : a1], rate, slots, host=host)
    y = np.ascontiguousarray(rendered.audio[:, pre : pre + (a1 - a0)], dtype=np.float32)
    if not np.isfinite(y).all():
        raise AuditionError(f"the chain's output holds {int(y.size - np.count_nonzero(np.isfinite(y)))} "
                            "non-finite samples (NaN or inf): a plugin misbehaves; nothing to audition")  # fmt: skip
    return _Side(y, rendered.latency_samples, rendered.tail_samples, rendered.reports)


def output_device() -> Any:
    """The ``sounddevice`` module when it can play here; else :class:`PlaybackUnavailable`."""
    try:
        import sounddevice as sd
    except ImportError:
        raise PlaybackUnavailable("no audio output device: sounddevice is not installed "
                                  "(pip install 'secondear[audio]')") from None  # fmt: skip
    except OSError as exc:  # sounddevice installed, the PortAudio library missing
        raise PlaybackUnavailable(f"no audio output device: PortAudio cannot be loaded ({exc})") from None
    try:
        sd.query_devices(kind="output")
    except Exception as exc:  # noqa: BLE001 — PortAudioError, ValueError: no default output
        raise PlaybackUnavailable(f"no audio output device ({exc})") from None
    return sd


def play(audio: np.ndarray, sample_rate_hz: float) -> None:
    """Play float32 ``(channels, samples)`` audio on the default output device, to the end.

    Raises
    ------
    PlaybackUnavailable
        No ``sounddevice``, no PortAudio, or no output device; nothing was played.
    """
    sd = output_device()
    try:
        sd.play(np.ascontiguousarray(audio.T, dtype=np.float32), samplerate=sample_rate_hz)
        sd.wait()
    except Exception as exc:  # noqa: BLE001 — PortAudioError opening the stream
        raise PlaybackUnavailable(f"no audio output device that can play this ({exc})") from None
