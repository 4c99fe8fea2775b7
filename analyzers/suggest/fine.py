"""Bumps, dips and band limits located on the fine (1/24-octave) spectrum.

The 1/3-octave bands are too coarse to place a cut: a bump at 250 Hz straddles the 250 and
315 Hz bands, and a band-median trend that leaves the band out reads the knee of a
roll-off as a bump (a low-passed vocal got a cut at its 2 kHz knee). Here:

* the fine spectrum (``SpectrumResult.fine_level_db``, points every 1/24 octave) is smoothed
  over :data:`SMOOTH_OCT` (partials of one note do not count as a resonance);
* its broad trend is a running median over ±:data:`TREND_HALF_OCT`. A median over a
  window that *includes* the point follows any monotone stretch exactly — a slope, the knee
  of a high-pass or a low-pass — so a roll-off leaves no residual, while a bump narrower
  than the window stands out of it;
* a bump (or dip) is a local extreme of the residual; its centre is interpolated between
  the fine points, and a bell (gain, Q) is fitted to the spectrum above the chord between
  the lowest points on each side, against the filter's real response;
* band limits: the spectrum's top (or bottom) is where it falls away by
  :data:`LIMIT_FALL_DB` within an octave (in the grid's last octave, within
  :data:`TOP_FALL_MIN_OCT`: a brick wall) and never comes back — a low-pass, a codec's
  cut-off, a high-pass or a thin source. Nothing is cut or boosted beyond a limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..eq_response import move_response_db
from ..moves import Move
from ..records import Analysis

#: Smoothing of the fine spectrum before anything is judged (octaves, running mean in dB).
SMOOTH_OCT = 1.0 / 6.0
#: The broad trend: running median over this many octaves on each side.
TREND_HALF_OCT = 1.0
#: A band limit: the spectrum falls this far (dB) within one octave and never returns.
LIMIT_FALL_DB = 20.0
#: Where less than an octave of the grid is left above a point, a fall of LIMIT_FALL_DB
#: within this many octaves (a brick wall) is a limit.
TOP_FALL_MIN_OCT = 0.25
#: A low-pass this steep (dB/oct over its first octave) above 10 kHz is a codec's cut-off.
CODEC_SLOPE_DB_OCT = 40.0
#: Centres tried around the peak of the smoothed residual when the bell is fitted (octaves).
CENTRE_SHIFTS_OCT = tuple(k / 96 for k in range(-6, 7))
_QS = (0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6)
#: Around each mains line that stands out, the fine spectrum is left out this far (Hz) or a
#: twelfth of an octave, whichever is wider (the spectrum's bins are ~6 Hz wide down there).
HUM_GAP_HZ = 15.0


@dataclass(frozen=True, slots=True)
class Feature:
    """A bump (``height_db`` > 0) or a dip (< 0) of the smoothed fine spectrum."""

    freq_hz: float  # interpolated centre
    height_db: float  # residual over the broad trend at the centre
    prominence_db: float  # height over the chord between its lowest sides
    depth_db: float  # the fitted bell's gain that would flatten it (opposite sign)
    q: float  # the fitted bell's Q
    lo_hz: float  # where the residual falls to half on each side
    hi_hz: float


@dataclass(frozen=True, slots=True)
class Limits:
    """Where the spectrum's content starts and stops (roll-offs), if it does."""

    low_hz: float | None  # the knee of a roll-off at the bottom (a high-pass, a thin source)
    high_hz: float | None  # the knee of a roll-off at the top (a low-pass, a dull source, a codec)
    high_slope_db_oct: float = 0.0  # how steeply it falls over the octave above the knee
    low_slope_db_oct: float = 0.0

    @property
    def codec(self) -> bool:
        """A brick-wall top above 10 kHz: a lossy codec's (or a converter's) low-pass."""
        return self.high_hz is not None and self.high_hz >= 10000 and self.high_slope_db_oct >= CODEC_SLOPE_DB_OCT


def fine(analysis: Analysis) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and the smoothed fine spectrum (dB, NaN where unmeasured); empty if absent."""
    f = np.array(analysis.spectrum.fine_hz, dtype=float)
    raw = np.array([np.nan if v is None else v for v in analysis.spectrum.fine_level_db], dtype=float)
    hum = analysis.hum
    if hum is not None and hum.found:
        # mains hum's lines are no part of the source's shape: left out, they neither fill a
        # high-pass's roll-off (so the knee is still seen) nor make bumps
        for line in (ln for ln in hum.lines if ln.stands_out):
            raw[np.abs(f - line.freq_hz) <= max(HUM_GAP_HZ, line.freq_hz * (2 ** (1 / 12) - 1))] = np.nan
        raw[_short_runs(np.isfinite(raw), 4)] = np.nan  # a point or three left between two lines is no shape
    if f.size < 48 or np.isfinite(raw).sum() < 48:
        return np.zeros(0), np.zeros(0)
    return f, _smooth(raw, SMOOTH_OCT)


def _short_runs(mask: np.ndarray, shortest: int) -> np.ndarray:
    """The points of the runs of True in ``mask`` shorter than ``shortest``."""
    out = np.zeros_like(mask)
    i = 0
    while i < mask.size:
        if mask[i]:
            j = i
            while j < mask.size and mask[j]:
                j += 1
            if j - i < shortest:
                out[i:j] = True
            i = j
        else:
            i += 1
    return out


def _points(octaves: float, f: np.ndarray) -> int:
    step = math.log2(f[1] / f[0])
    return max(1, int(round(octaves / step)))


def _smooth(level: np.ndarray, octaves: float) -> np.ndarray:
    """Running mean of the power (in dB out) over ``octaves`` (NaN points left out)."""
    half = max(1, int(round(octaves * 24 / 2)))
    p = np.where(np.isfinite(level), 10 ** (np.nan_to_num(level, nan=-300.0) / 10), 0.0)
    n = np.isfinite(level).astype(float)
    k = np.ones(2 * half + 1)
    ps = np.convolve(p, k, mode="same")
    ns = np.convolve(n, k, mode="same")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 10 * np.log10(ps / ns)
    out[(ns == 0) | ~np.isfinite(out)] = np.nan
    out[~np.isfinite(level)] = np.nan
    return out


def trend(f: np.ndarray, level: np.ndarray, *, half_oct: float = TREND_HALF_OCT) -> np.ndarray:
    """Running median over ±``half_oct`` octaves (the point itself included)."""
    half = _points(half_oct, f)
    out = np.full(level.shape, np.nan)
    for i in np.flatnonzero(np.isfinite(level)):
        w = level[max(0, i - half) : i + half + 1]
        w = w[np.isfinite(w)]
        if w.size >= half:
            out[i] = float(np.median(w))
    return out


def limits(f: np.ndarray, level: np.ndarray) -> Limits:
    """The knees of roll-offs at the top (above 1 kHz) and the bottom (below 1 kHz)."""
    if f.size == 0:
        return Limits(None, None)
    octave = _points(1.0, f)
    finite = np.isfinite(level)
    lv = np.where(finite, level, -300.0)
    # running maxima: the most the spectrum reaches at or above / at or below each point
    above = np.maximum.accumulate(lv[::-1])[::-1]
    below = np.maximum.accumulate(lv)
    high = low = None
    high_slope = low_slope = 0.0
    # near the top of the grid less than an octave is left: there a brick wall will do, the
    # whole fall within a quarter of an octave (a codec's low-pass at 16 kHz falls 60 dB in an
    # eighth of an octave, and the grid ends at 20 kHz)
    quarter = _points(TOP_FALL_MIN_OCT, f)
    for i in range(f.size - quarter - 1, -1, -1):  # the lowest knee above 1 kHz that holds
        if f[i] < 1000:
            break
        if not finite[i]:
            continue
        fall = lv[i] - above[i + octave] if i + octave < f.size else lv[i] - above[i + quarter]
        if lv[i] >= above[i + 1] - 0.5 and fall >= LIMIT_FALL_DB:
            high, high_slope = float(f[i]), float(fall)
    for i in range(octave + 1, f.size):  # the highest knee below 1 kHz that holds
        if f[i] > 1000:
            break
        if not finite[i]:
            continue
        fall = lv[i] - below[i - octave]
        if lv[i] >= below[i - 1] - 0.5 and fall >= LIMIT_FALL_DB:
            low, low_slope = float(f[i]), float(fall)
    if high is not None:  # the knee proper: where it first sits 3 dB under the level before
        i = int(np.searchsorted(f, high))
        ref = lv[max(0, i - octave // 2) : i + 1].max()
        j = i
        while j + 1 < f.size and lv[j + 1] > ref - 3.0:
            j += 1
        high = float(f[j])
        high_slope = float(lv[j] - above[min(f.size - 1, j + octave)])
    if low is not None:
        i = int(np.searchsorted(f, low))
        ref = lv[i : i + octave // 2 + 1].max()
        j = i
        while j - 1 >= 0 and lv[j - 1] > ref - 3.0:
            j -= 1
        low = float(f[j])
        low_slope = float(lv[j] - below[max(0, j - octave)])
    return Limits(low, high, high_slope, low_slope)


def features(
    f: np.ndarray,
    level: np.ndarray,
    *,
    sample_rate_hz: float,
    zone_hz: tuple[float, float],
    min_db: float,
    dips: bool = False,
) -> list[Feature]:
    """Bumps (and with ``dips`` dips) at least ``min_db`` high inside ``zone_hz``, largest first.

    Candidates are the local extremes of the residual over the broad trend, at two widths
    (±1 and ±2 octaves, so that a broad bell is seen too); the height is that residual (a
    conservative figure: the median is raised a little by the bump itself), the bell is
    fitted over the chord between the bump's lowest sides (:func:`_feature`).
    """
    if f.size == 0:
        return []
    out: list[Feature] = []
    for half in (TREND_HALF_OCT, 2 * TREND_HALF_OCT):
        resid = level - trend(f, level, half_oct=half)
        zone = np.isfinite(resid) & (f >= zone_hz[0]) & (f <= zone_hz[1])
        for sign in (1.0, -1.0) if dips else (1.0,):
            r = np.where(zone, sign * resid, -np.inf)
            for i in range(1, f.size - 1):
                if not zone[i] or r[i] < min_db or r[i] < r[i - 1] or r[i] < r[i + 1]:
                    continue
                x = _feature(f, level, resid, i, sign, sample_rate_hz)
                if x is not None:
                    out.append(x)
    out.sort(key=lambda x: -abs(x.height_db))
    # one feature per region: drop any within 1/3 octave of a larger one
    kept: list[Feature] = []
    for x in out:
        if all(abs(math.log2(x.freq_hz / k.freq_hz)) > 1 / 3 for k in kept):
            kept.append(x)
    return kept


def bell_width_oct(q: float) -> float:
    """A bell's width in octaves between the points where it reaches half its gain in dB
    (the RBJ bandwidth for ``q``: 2·asinh(1/(2q))/ln 2; Q 0.7 is 1.9 octaves, Q 2 is 0.71)."""
    return 2 * math.asinh(1 / (2 * q)) / math.log(2)


def half_gain_span_hz(move: Move, sample_rate_hz: float) -> tuple[float, float]:
    """Where an EQ move reaches half its gain (dB): a bell's half-gain edges
    (:func:`bell_width_oct`); a low shelf acts from 0 Hz to its corner, a high shelf from its
    corner up (an RBJ shelf is at half its gain at the corner)."""
    fc = float(move.params["freq_hz"])
    if move.kind == "low_shelf":
        return 0.0, fc
    if move.kind == "high_shelf":
        return fc, 0.5 * sample_rate_hz
    half = bell_width_oct(float(move.params["q"])) / 2
    return fc * 2**-half, min(fc * 2**half, 0.499 * sample_rate_hz)


def judged_span_hz(lim: Limits) -> tuple[float, float]:
    """Where a band's level is judged against a neutral curve or a target: half an octave
    inside the knees of any roll-off (beyond them the content is missing, not low)."""
    lo = lim.low_hz * 2 ** (1 / 2) if lim.low_hz is not None else 0.0
    hi = lim.high_hz * 2 ** (-1 / 2) if lim.high_hz is not None else math.inf
    return lo, hi


def _feature(f, level, resid, i, sign, rate) -> Feature | None:
    r = sign * resid
    # centre: parabola through the three points (in log-frequency)
    y0, y1, y2 = r[i - 1], r[i], r[i + 1]
    den = y0 - 2 * y1 + y2
    off = 0.5 * (y0 - y2) / den if np.isfinite(den) and den < 0 else 0.0
    off = float(np.clip(off, -0.5, 0.5))
    step = math.log2(f[1] / f[0])
    f0 = float(f[i] * 2 ** (off * step))
    height = float(y1 - 0.25 * (y0 - y2) * off)  # over the trend: for the half-height edges
    if not math.isfinite(height):
        return None
    # half-height edges
    lo = i
    while lo > 0 and np.isfinite(r[lo - 1]) and r[lo - 1] > height / 2:
        lo -= 1
    hi = i
    while hi < f.size - 1 and np.isfinite(r[hi + 1]) and r[hi + 1] > height / 2:
        hi += 1
    # the chord between the lowest points (of sign × level) on each
    # side within 1.5 octaves: the bump's own baseline (a Q 1 bell is 1.4 octaves wide)
    span = _points(1.5, f)
    a, b = max(0, i - span), min(f.size - 1, i + span)
    s = sign * level
    left = a + int(np.nanargmin(s[a : i + 1])) if np.isfinite(s[a : i + 1]).any() else a
    right = i + int(np.nanargmin(s[i : b + 1])) if np.isfinite(s[i : b + 1]).any() else b
    if right - left < 4 or not left < i < right:
        return None
    x = np.log2(f[left : right + 1])
    chord = np.interp(x, [x[0], x[-1]], [s[left], s[right]])
    target = -(s[left : right + 1] - chord) * sign  # the change that flattens it (dB)
    ok = np.isfinite(target)
    best = None
    # never wider than the bump measures between its half-height edges
    width_oct = math.log2(f[hi] / f[lo]) if hi > lo else 0.0
    qs = [q for q in _QS if bell_width_oct(q) <= width_oct] or [_QS[-1]]
    for shift in CENTRE_SHIFTS_OCT:  # the centre too is fitted, a little either side of the peak
        fc = f0 * 2**shift
        for q in qs:
            unit = move_response_db(Move("peak", {"freq_hz": fc, "gain_db": -6.0 * sign, "q": q}),
                                    f[left : right + 1], rate) / 6.0  # fmt: skip
            unit = unit * sign * -1.0  # response per dB of (signed) gain
            den = float(np.sum(unit[ok] ** 2))
            if den <= 0:
                continue
            g = float(np.sum(unit[ok] * target[ok]) / den)
            err = float(np.sum((target[ok] - g * unit[ok]) ** 2))
            if best is None or err < best[0]:
                best = (err, g, q, fc)
    if best is None or best[1] * sign >= 0:
        return None
    f0 = best[3]
    near = -target[max(0, i - left - 2) : i - left + 3] * sign  # at the centre, not elsewhere
    prominence = float(np.nanmax(near)) if np.isfinite(near).any() else 0.0
    return Feature(freq_hz=f0, height_db=float(sign * height), depth_db=float(best[1]), q=best[2],
                   prominence_db=float(sign * prominence),
                   lo_hz=float(f[lo]), hi_hz=float(f[hi]))  # fmt: skip
