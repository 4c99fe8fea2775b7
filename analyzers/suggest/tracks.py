"""What the cross-track rules share: their answer (:class:`CrossTrackAdvice`, every record
naming its track) and the plain arithmetic on tracks: mono sums, one sample rate, powers.

Pure numpy: no I/O. Audio in is float ``(channels, samples)`` (or 1-D mono).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError
from .records import LeaveAlone, Suggestion

#: Powers are floored here before a logarithm.
TINY = 1e-20


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossTrackAdvice:
    """Cross-track answer: each suggestion and verdict names the track it belongs to.

    Attributes
    ----------
    suggestions : tuple of (track, Suggestion)
        Ranked; the move applies to ``track``. Ids are unique across the whole answer.
    leave_alone : tuple of (track, LeaveAlone)
    pairs : tuple of RelatedPair
        Every related pair found (whether it needs a move or not).
    notes : tuple of str
    """

    suggestions: tuple[tuple[str, Suggestion], ...] = ()
    leave_alone: tuple[tuple[str, LeaveAlone], ...] = ()
    pairs: tuple[Any, ...] = ()  # alignment.RelatedPair records
    notes: tuple[str, ...] = ()

    def for_track(self, name: str) -> tuple[Suggestion, ...]:
        """The suggestions whose move applies to ``name``."""
        return tuple(s for t, s in self.suggestions if t == name)

    def __add__(self, other: CrossTrackAdvice) -> CrossTrackAdvice:
        return CrossTrackAdvice(
            suggestions=self.suggestions + other.suggestions, leave_alone=self.leave_alone + other.leave_alone,
            pairs=self.pairs + other.pairs, notes=self.notes + other.notes,
        )  # fmt: skip



def common_rate(tracks: Mapping[str, tuple[np.ndarray, float]]) -> float:
    rates = {float(r) for _, r in tracks.values()}
    if len(rates) > 1:
        listing = ", ".join(f"{k} {float(r):g} Hz" for k, (_, r) in tracks.items())
        raise ParameterError(f"the tracks' sample rates differ ({listing}); resample them first")
    rate = rates.pop() if rates else 48000.0
    if rate <= 0:
        raise ParameterError(f"sample rate {rate} must be positive")
    return rate


def mono64(x: np.ndarray) -> np.ndarray:
    return mono(x, np.float64)


def mono(x: np.ndarray, dtype) -> np.ndarray:
    """The channel mean of ``(channels, samples)`` (1-D passes through), as ``dtype``."""
    a = np.asarray(x)
    if a.ndim == 1:
        return a.astype(dtype, copy=False)
    if a.ndim != 2:
        raise ParameterError(f"audio must be (channels, samples) or 1-D, got shape {a.shape}")
    if a.shape[0] == 1:
        return a[0].astype(dtype, copy=False)
    return a.mean(axis=0, dtype=np.float64).astype(dtype, copy=False)


def dot(x: np.ndarray, y: np.ndarray) -> float:
    """``Σ x·y`` accumulated in float64 (float32 stems stay float32)."""
    return float(np.einsum("i,i->", x, y, dtype=np.float64))


def power(x) -> float:
    x = np.asarray(x)
    return dot(x, x) / x.size if x.size else 0.0


def fmt_hz(f: float) -> str:
    return f"{f / 1000:.3g} kHz" if f >= 1000 else f"{f:.0f} Hz"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "track"
