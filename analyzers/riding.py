"""Inconsistent performance: phrases that differ in level, and the gain curve that evens them.

A phrase is a stretch of momentary loudness (400 ms windows, 100 ms apart: BS.1770) within
:data:`ACTIVE_RANGE_LU` of the loudest (its 95th percentile) and above −70 LUFS, broken by
at least :data:`GAP_WINDOWS` quiet windows; phrases longer than :data:`LONGEST_PHRASE_S` are
cut into equal pieces of about 3 s (EBU Tech 3342's short-term window). Each phrase's
loudness is the power mean of its windows.

The **spread** is the 10th-to-90th percentile range of phrase loudness, each phrase
counted by its length: EBU's loudness range (10th to 95th percentile of 3 s loudness over
the gated signal, problems.md §4) on phrases, with the top percentile at 90 % so one loud
shout does not set it. A ride evens the phrases towards their median (length-weighted):
each phrase further than :data:`RIDE_TOLERANCE_DB` from it gets the difference (at most
±:data:`MAX_RIDE_DB`, a Vocal Rider's fader range) as a flat gain, ramped across the gap
before it.

Pure: reads :class:`~analyzers.records.Analysis` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .records import Analysis

#: Windows within this many LU of the loudest (95th percentile) are part of a phrase.
ACTIVE_RANGE_LU = 20.0
#: This many quiet 100 ms steps in a row end a phrase.
GAP_WINDOWS = 3
#: Phrases longer than this are cut into pieces of about 3 s.
LONGEST_PHRASE_S = 6.0
#: The spread (dB) above which a ride is proposed, per role; roles not listed get none (a
#: mix's, a drum's, a synth's or an unnamed track's level changes may be the arrangement,
#: not a performance to even).
RIDE_ABOVE_DB = {"vocal": 4.0, "bass": 5.0, "guitar": 6.0, "keys": 6.0, "strings": 6.0}
#: What a ride aims for: the spread (dB) of the rendered phrases (test and README).
TARGET_SPREAD_DB = 2.0
#: Phrases closer than this to the median are left at 0 dB.
RIDE_TOLERANCE_DB = 1.0
MAX_RIDE_DB = 12.0
#: Fewest phrases to judge a spread from.
MIN_PHRASES = 3
_STEP_S = 0.1
_WINDOW_S = 0.4


@dataclass(frozen=True, slots=True, kw_only=True)
class Phrase:
    start_s: float
    end_s: float
    loudness_lufs: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Performance:
    """Phrases, their spread (dB, None under :data:`MIN_PHRASES`) and median loudness."""

    phrases: tuple[Phrase, ...]
    spread_db: float | None
    median_lufs: float | None


def performance(analysis: Analysis) -> Performance:
    """The phrases of ``analysis`` and how far their levels spread."""
    lo = analysis.loudness
    step = lo.series_step_s or _STEP_S
    m = np.array([-math.inf if v is None else v for v in lo.momentary_lufs], dtype=np.float64)
    finite = m[np.isfinite(m)]
    if finite.size < 5:
        return Performance(phrases=(), spread_db=None, median_lufs=None)
    top = float(np.percentile(finite, 95))
    active = m > max(-70.0, top - ACTIVE_RANGE_LU)
    phrases: list[Phrase] = []
    for a, b in _runs(active, GAP_WINDOWS):
        # window i covers [i·step, i·step + 0.4 s]: the sound starts late in the first
        # active window and ends early in the last
        start = a * step + 0.25
        end = (b - 1) * step + 0.15
        if end - start < 0.3:
            continue
        pieces = max(1, int(round((end - start) / 3.0))) if end - start > LONGEST_PHRASE_S else 1
        edges = np.linspace(a, b, pieces + 1).round().astype(int)
        for i in range(pieces):
            lo_i, hi_i = edges[i], edges[i + 1]
            power = 10 ** (m[lo_i:hi_i][active[lo_i:hi_i]] / 10)
            if power.size == 0:
                continue
            s = start if i == 0 else lo_i * step + 0.2
            e = end if i == pieces - 1 else hi_i * step + 0.2
            phrases.append(Phrase(start_s=round(s, 3), end_s=round(e, 3),
                                  loudness_lufs=round(10 * math.log10(float(power.mean())), 2)))  # fmt: skip
    if len(phrases) < MIN_PHRASES:
        return Performance(phrases=tuple(phrases), spread_db=None, median_lufs=None)
    values, weights = _weighted(phrases)
    p10, p50, p90 = _percentiles(values, weights, (10, 50, 90))
    return Performance(phrases=tuple(phrases), spread_db=round(p90 - p10, 2), median_lufs=round(p50, 2))


def ride_curve(perf: Performance, *, tolerance_db: float = RIDE_TOLERANCE_DB,
               max_gain_db: float = MAX_RIDE_DB) -> tuple[tuple[float, float], ...]:  # fmt: skip
    """Breakpoints ``(time_s, gain_db)``: each phrase's flat gain towards the median, held over
    the phrase (from 50 ms before to 50 ms after it) and ramped linearly across the gaps."""
    if perf.median_lufs is None:
        return ()
    points: list[tuple[float, float]] = []
    for ph in perf.phrases:
        need = perf.median_lufs - ph.loudness_lufs
        g = 0.0 if abs(need) <= tolerance_db else float(np.clip(need, -max_gain_db, max_gain_db))
        a = max(0.0, ph.start_s - 0.05)
        if points and a <= points[-1][0]:
            a = points[-1][0] + 0.001
        b = max(a + 0.001, ph.end_s + 0.05)
        points += [(round(a, 3), round(g, 2)), (round(b, 3), round(g, 2))]
    return tuple(points)


def _runs(mask: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(start, end) of runs of True, joined across fewer than ``gap`` False in a row."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    out = []
    start = prev = int(idx[0])
    for i in idx[1:].tolist():
        if i - prev > gap:
            out.append((start, prev + 1))
            start = i
        prev = i
    out.append((start, prev + 1))
    return out


def _weighted(phrases: list[Phrase]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([p.loudness_lufs for p in phrases]),
            np.array([max(1e-3, p.end_s - p.start_s) for p in phrases]))  # fmt: skip


def _percentiles(values: np.ndarray, weights: np.ndarray, qs) -> list[float]:
    """Length-weighted percentiles (the value below which q % of the phrase time lies)."""
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum() * 100
    return [float(np.interp(q, cum, v)) for q in qs]
