"""What an A/B render did, measured: A's and B's spectra and loudness over time, and the
gain reduction of each dynamics move (compressor, limiter, gate, de-esser, ride, expander)
over time.

:func:`measure_ab` analyses A and B of an :class:`~bridge.audition.Audition` as rendered
(the loudness match taken back out, so B's loudness is what the chain makes) with
:func:`analyzers.analyze`, and measures the gain reduction of every compressor, expander
limiter and gate among the moves: the chain is rendered move by move (built-in renderers, in
:data:`bridge.render.CHAIN_ORDER`) and, around each dynamics move, the level of what comes
out over what goes in, in 50 ms windows, less the move's static gain (a compressor's
make-up, a limiter's drive). Reduction is positive dB (an expander's lift is negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analyzers import Analysis, analyze
from analyzers.moves import Move

from .audition import Audition
from .render import order_moves, render_move

#: Window of the gain-reduction measure, seconds.
GR_WINDOW_S = 0.05
#: Windows whose input is quieter than this (dBFS RMS) carry no reduction (NaN).
GR_FLOOR_DBFS = -70.0
#: Move kinds whose gain over time is measured, and the parameter holding their static gain.
#: (A de-esser's is the whole signal's level change: its band alone is turned down more; a
#: ride's is its gain curve, negative where it lifts.)
GR_KINDS = {"compressor": "makeup_db", "limiter": "gain_db", "expander": None, "gate": None, "deesser": None,
            "ride": None}  # fmt: skip


@dataclass(frozen=True, slots=True)
class GainReduction:
    """One dynamics move's gain reduction over the A/B region.

    ``times_s`` are window centres from the region's start; ``reduction_db`` positive where
    the move turned the signal down (NaN where its input is silent); ``max_db`` the most,
    ``mean_db`` the average over the windows with signal.
    """

    suggestion_id: str
    kind: str
    times_s: np.ndarray
    reduction_db: np.ndarray
    max_db: float
    mean_db: float


@dataclass(frozen=True, slots=True)
class ABMeasures:
    """A and B measured (``a``/``b``: :class:`analyzers.Analysis` of the region as rendered)."""

    region_s: tuple[float, float]
    a: Analysis
    b: Analysis
    gain_reduction: tuple[GainReduction, ...]


def gain_reduction(x_in: np.ndarray, x_out: np.ndarray, sample_rate_hz: float, *, static_gain_db: float = 0.0,
                   window_s: float = GR_WINDOW_S) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Window centres (s) and the reduction (dB, positive = down) from ``x_in`` to ``x_out``."""
    n = max(1, int(round(window_s * sample_rate_hz)))
    frames = x_in.shape[1] // n
    if frames == 0:
        return np.zeros(0), np.zeros(0)

    def power(x: np.ndarray) -> np.ndarray:
        y = x[:, : frames * n].astype(np.float64).reshape(x.shape[0], frames, n)
        return (y**2).mean(axis=(0, 2))

    p_in, p_out = power(x_in), power(x_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = 10 * np.log10(p_out / p_in)
    silent = 10 * np.log10(np.maximum(p_in, 1e-30)) < GR_FLOOR_DBFS
    reduction = np.where(silent, np.nan, static_gain_db - change)
    return (np.arange(frames) + 0.5) * n / sample_rate_hz, reduction


def measure_ab(result: Audition, moves: Sequence[tuple[str, Move]]) -> ABMeasures:
    """A and B of ``result`` analysed, and the gain reduction of each dynamics move among
    ``moves`` (``(suggestion id, move)`` of the chain B was rendered with)."""
    rate = result.sample_rate_hz
    a = (result.a * np.float32(10 ** (-result.gain_a_db / 20))).astype(np.float32)
    b = (result.b * np.float32(10 ** (-result.gain_b_db / 20))).astype(np.float32)
    ids = {id(m): sid for sid, m in moves}
    reductions = []
    if any(m.kind in GR_KINDS for _, m in moves):
        y = a
        for move in order_moves([m for _, m in moves]):
            out = render_move(y, rate, move)
            if move.kind in GR_KINDS:
                key = GR_KINDS[move.kind]
                times, red = gain_reduction(y, out, rate, static_gain_db=float(move.params[key]) if key else 0.0)
                valid = red[np.isfinite(red)]
                reductions.append(GainReduction(ids.get(id(move), move.kind), move.kind, times, red,
                                                float(valid.max()) if valid.size else 0.0,
                                                float(valid.mean()) if valid.size else 0.0))  # fmt: skip
            y = out
    return ABMeasures(result.region_s, analyze(a, rate), analyze(b, rate), tuple(reductions))
