"""Small helpers the suggestion rules share: band arrays, trends, wording."""

from __future__ import annotations

import math

import numpy as np

from ..eq_response import band_response_db
from ..moves import Move
from ..records import Analysis
from ..spectrum import EXACT_CENTRES_HZ, NOMINAL_CENTRES_HZ

CENTRES = np.array(EXACT_CENTRES_HZ)
NOMINAL = np.array(NOMINAL_CENTRES_HZ)


def band_levels(analysis: Analysis) -> tuple[np.ndarray, np.ndarray]:
    """Band levels (dB share of total, NaN where unmeasured) and the valid mask."""
    level = np.array([np.nan if v is None else v for v in analysis.spectrum.level_db], dtype=float)
    return level, np.isfinite(level)


def trend(level: np.ndarray, valid: np.ndarray, *, half_width: int = 4, gap: int = 1) -> np.ndarray:
    """The spectrum's own smooth shape: per band, the median of the bands within
    ``half_width`` bands on each side, leaving out the band and its ``gap`` neighbours, so
    that a bump up to an octave wide stands out against it."""
    out = np.full(level.shape, np.nan)
    idx = np.arange(level.size)
    for j in np.flatnonzero(valid):
        near = (np.abs(idx - j) <= half_width) & (np.abs(idx - j) > gap) & valid
        if near.sum() >= 3:
            out[j] = float(np.median(level[near]))
    return out


def db(value: float, *, signed: bool = False) -> str:
    """A level to 0.1 dB as the text prints it: ``-3.2``, ``+0.4`` with ``signed``, and 0.0
    (never ``-0.0``) for what rounds to nothing."""
    text = f"{value:+.1f}" if signed else f"{value:.1f}"
    return text.replace("-", "+" if signed else "", 1) if float(text) == 0 else text


def hz(f: float) -> str:
    """``315 Hz``, ``3.15 kHz``."""
    return f"{f / 1000:.3g} kHz" if f >= 1000 else f"{f:.0f} Hz"


def freq_label(freq_hz: float) -> str:
    """A frequency as a suggestion id carries it: ``250``, ``1.52k``."""
    return f"{freq_hz / 1000:.3g}k" if freq_hz >= 1000 else f"{freq_hz:.0f}"


def band_span(j_lo: int, j_hi: int) -> str:
    """``200–400 Hz`` for bands j_lo…j_hi (their edges, rounded to nominal values)."""
    lo = NOMINAL[max(j_lo - 1, 0)] if j_lo > 0 else 18.0
    lo = math.sqrt(NOMINAL[j_lo] * lo) if j_lo > 0 else lo
    hi = math.sqrt(NOMINAL[j_hi] * NOMINAL[min(j_hi + 1, NOMINAL.size - 1)])
    lo_s, hi_s = _round_hz(lo), _round_hz(hi)
    if lo_s == hi_s:  # one band: name its centre
        return f"the {_round_hz(NOMINAL[j_lo])} band"
    return f"{lo_s}–{hi_s}"


def _round_hz(f: float) -> str:
    steps = [20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1200,
             1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 15000, 20000]  # fmt: skip
    f_r = min(steps, key=lambda s: abs(math.log(s / f)))
    return f"{f_r / 1000:g} kHz" if f_r >= 1000 else f"{f_r} Hz"


def band_key(j: int) -> str:
    """The ``predicted`` key for a band's level change: ``band_315_hz_change_db``."""
    f = NOMINAL[j]
    return f"band_{int(f) if f == int(f) else f}_hz_change_db"


def predicted_bands(move: Move, sample_rate_hz: float) -> dict[str, float]:
    """An EQ move's predicted change (dB) of every 1/3-octave band within an octave of its
    frequency (power-averaged over the band: :func:`analyzers.eq_response.band_response_db`)."""
    fq = move.params["freq_hz"]
    return {band_key(k): round(float(band_response_db(move, CENTRES[k], sample_rate_hz)), 2)
            for k in range(CENTRES.size) if fq / 2 <= CENTRES[k] <= fq * 2 and CENTRES[k] < 0.45 * sample_rate_hz}  # fmt: skip


def severity(excess: float, medium: float, high: float) -> str:
    """``low``/``medium``/``high`` by how far a figure is outside its tolerance."""
    e = abs(excess)
    return "high" if e >= high else "medium" if e >= medium else "low"


def confidence(excess: float, full_at: float, *, base: float = 0.35, top: float = 0.9) -> float:
    """Grows from ``base`` to ``top`` as ``excess`` reaches ``full_at``."""
    return round(min(top, base + (top - base) * min(1.0, abs(excess) / full_at)), 2)
