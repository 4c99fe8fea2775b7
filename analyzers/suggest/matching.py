"""A reference of the same source, matched closely: bells at fine resolution.

A reference that is another song is a broad tendency: :mod:`.tonal` nudges the octave-
smoothed balance towards it with a few broad moves on the 1/3-octave centres. A reference
that is *this same source* — the mix before a change, a clean bounce of the stem, an earlier
take through the same chain — carries the same resonances, arrangement and room, so what
differs is what was done to it (a bell, a boost), and that can be undone where it is:

* **same source**: the two fine spectra (1/24-octave points, :func:`.fine.fine`), each less
  its broad trend (:func:`.fine.trend`), correlate by :data:`SAME_SOURCE_R` or more between
  100 Hz and 10 kHz. Measured on 11 mixes (8 LMMS, 3 by people): against the same mix with a
  ±6 dB, Q 1.4 bell, r = 0.84–0.99; against another of the mixes, r = −0.46…0.22;
* **the difference** (track less reference, in the reference's band: between the knees of
  its roll-offs, 40 Hz–16 kHz) is explained greedily by at most :data:`MAX_MATCH_MOVES`
  bells: at the largest deviation from the difference's median, a bell (centre within
  ±1/12 octave of it on a 1/96-octave grid, Q from 0.5 to 5.6) is fitted by least squares
  with a free offset, against the filter's real response (:mod:`analyzers.eq_response`),
  over ±1.5 octaves (up to :data:`MAX_TRIES` deviations in turn: one that is no bell, a lone
  point or a knee, is passed over); the counter-bell is kept when its gain is :data:`MATCH_MIN_DB` or more
  and it stands :data:`MATCH_ROUGH_X` times the difference's own roughness (the median
  departure from its median), fits (:data:`MATCH_MISFIT`) and is seen to fall back to
  half on both sides (a roll-off or a tilt never does);
* what the bells leave is the broad difference, which :mod:`.tonal` still answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..context import Context
from ..eq_response import move_response_db
from ..moves import Move
from ..records import Analysis
from .common import confidence, freq_label, hz, predicted_bands, severity
from .fine import fine, half_gain_span_hz, limits, trend
from .records import Suggestion

#: Two fine spectra, each less its broad trend, correlating this much are the same source.
SAME_SOURCE_R = 0.8
#: Where the correlation is read (Hz).
SAME_SOURCE_SPAN_HZ = (100.0, 10000.0)
#: A matching bell's gain must reach this (dB) …
MATCH_MIN_DB = 2.0
#: … and its peak deviation this many times the difference's roughness.
MATCH_ROUGH_X = 4.0
#: A bell is kept only where it fits: the RMS misfit over its window under this share of its
#: gain (a filter's roll-off or a broad tilt is no bell; :mod:`.tonal` answers those).
MATCH_MISFIT = 0.25
#: At most this many matching bells.
MAX_MATCH_MOVES = 3
#: Deviations tried in turn, largest first, before the rest is taken for roughness.
MAX_TRIES = 6
#: A matching bell's gain is capped here (dB): the same source is restored, not redesigned.
MATCH_CAP_DB = 12.0
_QS = (0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6)
_SHIFTS_OCT = tuple(k / 96 for k in range(-8, 9))
_FIT_HALF_OCT = 1.5


@dataclass(frozen=True, slots=True)
class MatchBell:
    """A bell that undoes a narrow difference from a same-source reference."""

    move: Move  # the counter-bell (peak, gain opposite to the deviation)
    deviation_db: float  # the difference at the centre, over the difference's median
    lo_hz: float  # where the fitted deviation falls to half its gain on each side
    hi_hz: float


@dataclass(frozen=True, slots=True)
class Match:
    """How the track differs from a same-source reference at fine resolution."""

    r: float  # the fine structures' correlation (same source when ≥ SAME_SOURCE_R)
    roughness_db: float  # the difference's median departure from its median
    bells: tuple[MatchBell, ...]
    left_db: float  # the largest departure left after the bells (dB)

    @property
    def same_source(self) -> bool:
        return self.r >= SAME_SOURCE_R


def fine_structure_r(analysis: Analysis, reference: Analysis) -> float | None:
    """Correlation of the two fine spectra, each less its broad trend, 100 Hz–10 kHz."""
    return _structure_r(*_common_fine(analysis, reference))


def _structure_r(f: np.ndarray, a: np.ndarray, b: np.ndarray) -> float | None:
    if f.size == 0:
        return None
    ra, rb = a - trend(f, a), b - trend(f, b)
    m = np.isfinite(ra) & np.isfinite(rb) & (f >= SAME_SOURCE_SPAN_HZ[0]) & (f <= SAME_SOURCE_SPAN_HZ[1])
    if m.sum() < 24 or np.std(ra[m]) == 0 or np.std(rb[m]) == 0:
        return None
    return float(np.corrcoef(ra[m], rb[m])[0, 1])


def match(analysis: Analysis, reference: Analysis) -> Match | None:
    """The fine match against ``reference``; None when either has no fine spectrum or the two
    share too little band. Bells are fitted only when the reference is the same source."""
    f, a, b = _common_fine(analysis, reference)
    r = _structure_r(f, a, b)
    if r is None:
        return None
    lo_hz, hi_hz = content_band(f, b, min(analysis.sample_rate_hz, reference.sample_rate_hz))
    zone = np.isfinite(a) & np.isfinite(b) & (f >= lo_hz) & (f <= hi_hz)
    if zone.sum() < 24:
        return None
    d = np.where(zone, a - b, np.nan)
    rough = _roughness(d)
    bells: list[MatchBell] = []
    # the largest deviations in turn; one that is no bell (a lone point, a knee) is passed over
    passed = np.zeros(f.size, dtype=bool)
    for _ in range(MAX_TRIES if r >= SAME_SOURCE_R else 0):
        fitted = _fit_bell(f, np.where(passed, np.nan, d), d, analysis.sample_rate_hz)
        if fitted is None or len(bells) >= MAX_MATCH_MOVES:
            break
        move, deviation, misfit, offset = fitted
        gain = -move.params["gain_db"]
        if abs(deviation) < MATCH_ROUGH_X * rough or abs(gain) < MATCH_MIN_DB / 2:
            break  # what is left is the difference's own roughness
        half = half_gain_span_hz(move, analysis.sample_rate_hz)
        bell_like = misfit <= MATCH_MISFIT * abs(gain) and _falls_back(f, d - offset, half, deviation)
        if abs(gain) < MATCH_MIN_DB or not bell_like:
            passed |= np.abs(np.log2(f / move.params["freq_hz"])) <= 1 / 6  # no bell: a roll-off, a tilt, a lone point
            continue
        bells.append(MatchBell(move=move, deviation_db=round(deviation, 2), lo_hz=half[0], hi_hz=half[1]))
        d = d + move_response_db(move, f, analysis.sample_rate_hz)
        rough = _roughness(d)
    left = float(np.nanmax(np.abs(d - np.nanmedian(d))))
    return Match(r=round(r, 3), roughness_db=round(rough, 2), bells=tuple(bells), left_db=round(left, 2))


def _common_fine(analysis: Analysis, reference: Analysis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two fine spectra on the points they share (both grids start at 20 Hz with the same
    step; a lower rate ends sooner): frequencies, the track's levels, the reference's."""
    f, a = fine(analysis)
    g, b = fine(reference)
    n = min(f.size, g.size)
    if n == 0 or not np.allclose(f[:n], g[:n]):
        return np.zeros(0), np.zeros(0), np.zeros(0)
    return f[:n], a[:n], b[:n]


def content_band(f: np.ndarray, level: np.ndarray, sample_rate_hz: float) -> tuple[float, float]:
    """The reference's band: between the knees of its roll-offs, 40 Hz–16 kHz (the same
    source has the same roll-offs, so the difference holds up to the knees). The track's own
    roll-offs do not narrow it: a bell cut deep enough reads as a knee, and is what to undo."""
    lim = limits(f, level)
    lo = max(40.0, lim.low_hz or 0.0)
    hi = min(16000.0, 0.45 * sample_rate_hz, lim.high_hz or math.inf)
    return lo, hi


def _roughness(d: np.ndarray) -> float:
    return float(np.nanmedian(np.abs(d - np.nanmedian(d))))


def _fit_bell(f: np.ndarray, seek: np.ndarray, d: np.ndarray, rate: float) -> tuple[Move, float, float, float] | None:
    """The counter-bell for the largest deviation of ``seek`` (``d`` with the points passed
    over left out) from ``d``'s median: (move, the deviation at the centre over the fitted
    offset, the RMS misfit in dB, the offset), least squares on ``d`` over ±1.5 octaves."""
    med = float(np.nanmedian(d))
    dev = np.abs(seek - med)
    if not np.isfinite(dev).any():
        return None
    i = int(np.nanargmax(dev))
    best = None
    lf = np.log2(np.where(f > 0, f, 1.0))
    for shift in _SHIFTS_OCT:
        centre = float(f[i] * 2**shift)
        w = np.isfinite(d) & (np.abs(lf - math.log2(centre)) <= _FIT_HALF_OCT)
        if w.sum() < 12:
            continue
        y = d[w]
        for q in _QS:
            # the bell's shape at unit gain (its dB response is all but proportional to the gain)
            probe = 6.0 * math.copysign(1.0, d[i] - med)
            s = move_response_db(Move("peak", {"freq_hz": centre, "gain_db": probe, "q": q}), f[w], rate) / probe
            # least squares for y ≈ offset + gain · s, in closed form
            ds = s - s.mean()
            var = float(np.dot(ds, ds))
            if var <= 0:
                continue
            gain = float(np.clip(np.dot(ds, y - y.mean()) / var, -MATCH_CAP_DB, MATCH_CAP_DB))
            offset = float(y.mean() - gain * s.mean())
            err = float(np.mean((y - offset - gain * s) ** 2))
            if abs(gain) >= 0.1 and (best is None or err < best[0]):
                best = (err, centre, q, gain, offset, w)
    if best is None:
        return None
    _, centre, q, gain, offset, w = best
    bell = Move("peak", {"freq_hz": centre, "gain_db": gain, "q": q})
    misfit = math.sqrt(float(np.mean((d[w] - offset - move_response_db(bell, f[w], rate)) ** 2)))  # the real response's
    move = Move("peak", {"freq_hz": round(centre, 1), "gain_db": round(-gain, 1), "q": q})
    return move, float(d[i] - offset), misfit, offset


def _falls_back(f: np.ndarray, deviation: np.ndarray, span_hz: tuple[float, float], peak_db: float) -> bool:
    """Whether the deviation is seen to fall under half its peak within a third of an octave
    beyond the bell's half-gain span, on both sides."""
    for side in ((span_hz[0] * 2 ** (-1 / 3), span_hz[0]), (span_hz[1], span_hz[1] * 2 ** (1 / 3))):
        w = (f >= side[0]) & (f <= side[1]) & np.isfinite(deviation)
        if not w.any() or np.min(np.abs(deviation[w])) >= 0.5 * abs(peak_db):
            return False
    return True


def match_suggestions(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[Move], Match | None]:
    """The matching bells against ``ctx.reference`` when it is the same source, as
    suggestions; also their moves (what :mod:`.tonal` must no longer answer) and the match."""
    if ctx.reference is None:
        return [], [], None
    m = match(analysis, ctx.reference)
    if m is None or not m.same_source:
        return [], [], m
    out = []
    for b in m.bells:
        fc = b.move.params["freq_hz"]
        way = "above" if b.deviation_db > 0 else "below"
        why = (f"{hz(b.lo_hz)}–{hz(b.hi_hz)} stands {abs(b.deviation_db):.1f} dB {way} the reference, peaking at "
               f"{hz(fc)}; the reference is this same source (the fine shapes of the two spectra correlate, "
               f"r {m.r:.2f}), so the difference is what was done to it: a {b.move.params['gain_db']:+.1f} dB "
               f"bell at {hz(fc)}, Q {b.move.params['q']:g}, matches it")  # fmt: skip
        out.append(Suggestion(
            id=f"match-{'cut' if b.move.params['gain_db'] < 0 else 'boost'}-{freq_label(fc)}", move=b.move, why=why,
            confidence=confidence(abs(b.deviation_db) - MATCH_MIN_DB, 4.0, base=0.5, top=0.85),
            severity=severity(abs(b.move.params["gain_db"]), 3.0, 6.0), aspect=f"match:{fc:.0f}",
            predicted=predicted_bands(b.move, analysis.sample_rate_hz),
            source="--reference: the same source, matched at fine resolution",
        ))  # fmt: skip
    return out, [b.move for b in m.bells], m
