"""Tonal moves: a few broad EQ moves that bring a spectrum towards a target curve.

The difference between target and current 1/3-octave levels (both as shares of the total,
so loudness does not enter) is smoothed over one octave and then explained greedily by at
most ``max_moves`` moves — a low shelf, a high shelf or a broad bell — each chosen by
least squares against the real magnitude response of the filter that will render it
(:mod:`analyzers.eq_response`), with a free overall offset (the shares renormalise when a
band is changed). Moves are scaled by ``strength`` and capped, so that the answer is a
gentle nudge, never a 31-band copy of the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from ..eq_response import move_response_db
from ..moves import Move
from ..spectrum import EXACT_CENTRES_HZ

CENTRES = np.array(EXACT_CENTRES_HZ)
_SUB = 12  # frequency points per band for the band-averaged response
_Q_CHOICES = (0.5, 0.7, 1.0, 1.4, 2.0)


@dataclass(frozen=True, slots=True)
class TonalMove:
    move: Move
    centre_index: int
    deviation_db: float  # the smoothed difference the move answers (target − current)
    band_change_db: np.ndarray  # predicted change of every band


def band_grid(sample_rate_hz: float) -> np.ndarray:
    """Frequencies (bands × _SUB) spanning each 1/3-octave band."""
    offs = np.linspace(-1 / 6, 1 / 6, _SUB)
    grid = CENTRES[:, None] * 2.0 ** offs[None, :]
    return np.minimum(grid, 0.499 * sample_rate_hz)


def band_response(move: Move, grid: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Power-averaged response of ``move`` in each band (dB)."""
    g = 10 ** (move_response_db(move, grid.ravel(), sample_rate_hz).reshape(grid.shape) / 10)
    return 10 * np.log10(g.mean(axis=1))


def smooth_octave(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Mean over the band and its two neighbours (one octave), valid bands only."""
    out = np.full(values.shape, np.nan)
    for j in np.flatnonzero(valid):
        lo, hi = max(0, j - 1), min(values.size, j + 2)
        w = valid[lo:hi]
        out[j] = values[lo:hi][w].mean()
    return out


def fit_moves(
    difference_db: np.ndarray,
    valid: np.ndarray,
    *,
    sample_rate_hz: float,
    tolerance_db: float,
    strength: float,
    cap_db: float,
    max_moves: int = 3,
    range_hz: tuple[float, float] = (40.0, 16000.0),
    peaks_only: bool = False,
) -> tuple[list[TonalMove], np.ndarray]:
    """Explain ``difference_db`` (target − current, per band) with a few moves.

    Returns the moves and the smoothed difference that remains after them.
    """
    grid = band_grid(sample_rate_hz)
    in_range = valid & (CENTRES >= range_hz[0]) & (CENTRES <= min(range_hz[1], 0.45 * sample_rate_hz))
    residual = smooth_octave(np.where(valid, difference_db, 0.0), valid)
    residual = np.where(in_range, residual, np.nan)
    residual -= np.nanmean(residual)  # only the shape matters
    moves: list[TonalMove] = []
    used: list[tuple[int, float]] = []
    for _ in range(4 * max_moves):  # a band skipped below does not use up a move
        if len(moves) >= max_moves:
            break
        if not np.isfinite(residual).any():
            break
        j = int(np.nanargmax(np.abs(residual)))
        dev = float(residual[j])
        if abs(dev) < tolerance_db:
            break
        # never a second move on a band already moved the other way
        if any(abs(j - k) <= 1 and np.sign(dev) != np.sign(g) for k, g in used):
            residual[j] = np.nan
            continue
        best = _best_move(residual, in_range, j, grid, sample_rate_hz, cap_db, peaks_only=peaks_only)
        if best is None:
            break
        move, change = best
        if any(abs(math.log2(m.move.params["freq_hz"] / move.params["freq_hz"])) <= 1 / 3 + 1e-6 for m in moves):
            # within a third of an octave of a move already made: the engine keeps one move per
            # region (engine._resolve), so a second one there would only be left out again
            residual[j] = np.nan
            continue
        gain = float(np.clip(move.params["gain_db"] * strength, -cap_db, cap_db))
        if abs(gain) < 0.5:
            break
        move = Move(move.kind, {**move.params, "gain_db": round(gain, 1)})
        change = band_response(move, grid, sample_rate_hz)
        moves.append(TonalMove(move=move, centre_index=j, deviation_db=dev, band_change_db=change))
        used.append((j, gain))
        residual = residual - np.where(in_range, change, 0.0)
        residual -= np.nanmean(residual)
    return moves, residual


def _best_move(residual, in_range, j, grid, rate, cap_db, *, peaks_only=False):
    """The shape, frequency, Q and gain that best explain the residual around band j."""
    f0 = CENTRES[j]
    candidates: list[tuple[str, float, float]] = []
    for dj in (-1, 0, 1):
        k = j + dj
        if 0 <= k < CENTRES.size:
            for q in _Q_CHOICES:
                candidates.append(("peak", float(CENTRES[k]), q))
    if f0 <= 160 and not peaks_only:
        candidates += [("low_shelf", float(f), 0.707) for f in CENTRES[(CENTRES >= f0) & (CENTRES <= 4 * f0)]]
    if f0 >= 4000 and not peaks_only:
        candidates += [("high_shelf", float(f), 0.707) for f in CENTRES[(CENTRES <= f0) & (CENTRES >= f0 / 4)]]
    r = np.where(in_range, residual, 0.0)
    mask = in_range & np.isfinite(residual)
    best = None
    gains = np.arange(-cap_db * 2, cap_db * 2 + 1e-9, 0.25)
    for kind, freq, q in candidates:
        freq = min(freq, 0.45 * rate)
        unit = band_response(Move(kind, {"freq_hz": freq, "gain_db": 6.0, "q": q}), grid, rate) / 6.0
        # the response in dB is close to linear in gain for these shapes: refine on a grid
        errs = []
        for g in gains:
            pred = unit * g
            d = (r - pred)[mask]
            errs.append(np.sum((d - d.mean()) ** 2))
        k = int(np.argmin(errs))
        g = float(gains[k])
        if g == 0.0:
            continue
        exact = band_response(Move(kind, {"freq_hz": freq, "gain_db": g, "q": q}), grid, rate)
        d = (r - exact)[mask]
        err = float(np.sum((d - d.mean()) ** 2))
        if best is None or err < best[0]:
            best = (err, Move(kind, {"freq_hz": freq, "gain_db": g, "q": q}), exact)
    if best is None:
        return None
    return best[1], best[2]
