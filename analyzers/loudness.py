"""Loudness from per-100 ms K-weighted energies: ITU-R BS.1770-4, EBU Tech 3341 and 3342.

The streaming part (K-weighting and the 100 ms sums) lives in :mod:`analyzers.analysis`;
everything here is a pure function of those sums.
"""

from __future__ import annotations

import math

import numpy as np

from .convert import POWER_FLOOR
from .records import LoudnessResult
from .segments import SEGMENT_S, window_sums

#: BS.1770-4 eq. 2 offset.
LOUDNESS_OFFSET_DB = -0.691
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0  # BS.1770-4 §2.6 (integrated)
LRA_RELATIVE_GATE_LU = -20.0  # EBU Tech 3342
MOMENTARY_SEGMENTS = 4  # 400 ms
SHORT_TERM_SEGMENTS = 30  # 3 s
SURROUND_WEIGHT = 1.41  # BS.1770-4 Table 3, |azimuth| ≥ 60°


def default_channel_weights(num_channels: int) -> tuple[float, ...]:
    """BS.1770-4 channel weights for the usual WAV channel orders.

    1–3 channels: 1.0 each (mono, L R, L R C). 4: L R Ls Rs. 5: L R C Ls Rs.
    6 (5.1, WAVE order): L R C LFE Ls Rs, the LFE weighted 0. 8 (7.1): L R C LFE Ls Rs
    Lb Rb. Other counts: 1.0 each (the caller is warned by :func:`analyzers.analyze`).
    """
    s = SURROUND_WEIGHT
    table = {
        4: (1.0, 1.0, s, s),
        5: (1.0, 1.0, 1.0, s, s),
        6: (1.0, 1.0, 1.0, 0.0, s, s),
        8: (1.0, 1.0, 1.0, 0.0, s, s, s, s),
    }
    return table.get(num_channels, (1.0,) * num_channels)


def block_loudness(weighted_power: np.ndarray) -> np.ndarray:
    """BS.1770-4 eq. 2: weighted mean-square sum → LUFS; ``-inf`` where there is none."""
    out = np.full(weighted_power.shape, -np.inf)
    ok = weighted_power > POWER_FLOOR
    out[ok] = LOUDNESS_OFFSET_DB + 10.0 * np.log10(weighted_power[ok])
    return out


def gated_loudness(weighted_power: np.ndarray, relative_gate_lu: float = RELATIVE_GATE_LU) -> float | None:
    """Integrated loudness over blocks (BS.1770-4 eq. 4–7): ``None`` if no block passes."""
    lk = block_loudness(weighted_power)
    passed = weighted_power[lk > ABSOLUTE_GATE_LUFS]
    if passed.size == 0:
        return None
    gate = LOUDNESS_OFFSET_DB + 10.0 * math.log10(passed.mean()) + relative_gate_lu
    final = weighted_power[(lk > ABSOLUTE_GATE_LUFS) & (lk > gate)]
    if final.size == 0:
        return None
    return LOUDNESS_OFFSET_DB + 10.0 * math.log10(final.mean())


def loudness_range(short_term_power: np.ndarray) -> float | None:
    """EBU Tech 3342 loudness range (LU) from short-term weighted powers."""
    lk = block_loudness(short_term_power)
    passed = short_term_power[lk > ABSOLUTE_GATE_LUFS]
    if passed.size == 0:
        return None
    gate = LOUDNESS_OFFSET_DB + 10.0 * math.log10(passed.mean()) + LRA_RELATIVE_GATE_LU
    kept = np.sort(lk[(lk > ABSOLUTE_GATE_LUFS) & (lk > gate)])
    n = kept.size
    if n == 0:
        return None
    # Percentiles by nearest rank (the k-th smallest value, k = round(p·n)), the convention
    # of the example code in Tech 3342 that ffmpeg's ebur128 follows. With few values the
    # choice matters: linear interpolation read a sparse cymbal stem 2.8 LU narrower.
    low = kept[max(0, int(np.rint(0.10 * n)) - 1)]
    high = kept[max(0, int(np.rint(0.95 * n)) - 1)]
    return float(high - low)


def weighted_window_power(
    k_energy: np.ndarray, counts: np.ndarray, weights: np.ndarray, width: int, *, exact: bool = True
) -> np.ndarray:
    """Σ_channels G·(mean square) over windows of ``width`` segments, stepped by one."""
    energy = window_sums(k_energy, width, exact=exact)  # (windows, channels)
    n = window_sums(counts.astype(np.float64), width, exact=exact)  # (windows,)
    if energy.shape[0] == 0:
        return np.zeros(0)
    return (energy / n[:, None]) @ weights


def max_window_power(
    k_energy: np.ndarray, counts: np.ndarray, weights: np.ndarray, width: int, *, block: int = 1 << 15
) -> float:
    """The largest :func:`weighted_window_power`, computed block by block (memory bounded
    by ``block`` whatever the number of segments)."""
    weighted = None
    best = 0.0
    n = k_energy.shape[0]
    for start in range(0, max(0, n - width + 1), block):
        stop = min(n, start + block + width - 1)
        e = k_energy[start:stop].astype(np.float64) @ weights
        c = counts[start:stop].astype(np.float64)
        if e.size < width:
            break
        ce = np.concatenate([[0.0], np.cumsum(e)])
        cc = np.concatenate([[0.0], np.cumsum(c)])
        weighted = (ce[width:] - ce[:-width]) / (cc[width:] - cc[:-width])
        best = max(best, float(weighted.max()))
    return best


def _series(lufs: np.ndarray) -> tuple[float | None, ...]:
    return tuple(round(float(v), 3) if np.isfinite(v) else None for v in lufs)


def _max(lufs: np.ndarray) -> float | None:
    if lufs.size == 0 or not np.isfinite(lufs).any():
        return None
    return float(lufs[np.isfinite(lufs)].max())


def loudness_from_segments(
    k_energy: np.ndarray,
    counts: np.ndarray,
    channel_weights: tuple[float, ...],
    *,
    fine: tuple[np.ndarray, np.ndarray] | None = None,
) -> LoudnessResult:
    """All loudness figures from per-segment K-weighted energies.

    Parameters
    ----------
    k_energy : ndarray, shape (segments, channels)
        Σ of the squared K-weighted samples of each 100 ms segment, full scale 1.0.
    counts : ndarray of int, shape (segments,)
        Samples in each segment.
    channel_weights : tuple of float
        BS.1770 weight per channel.
    fine : (ndarray, ndarray), optional
        The same energies and lengths per 10 ms segment; the momentary and short-term
        maxima are then taken on the 10 ms grid (EBU Tech 3341 cases 13 and 14).
    """
    w = np.asarray(channel_weights, dtype=np.float64)
    momentary = weighted_window_power(k_energy, counts, w, MOMENTARY_SEGMENTS)
    short_term = weighted_window_power(k_energy, counts, w, SHORT_TERM_SEGMENTS)
    m_lufs = block_loudness(momentary)
    s_lufs = block_loudness(short_term)
    m_max, s_max = _max(m_lufs), _max(s_lufs)
    if fine is not None:
        k10, n10 = fine
        m_max = _max(block_loudness(np.array([max_window_power(k10, n10, w, MOMENTARY_SEGMENTS * 10)])))
        s_max = _max(block_loudness(np.array([max_window_power(k10, n10, w, SHORT_TERM_SEGMENTS * 10)])))
    return LoudnessResult(
        integrated_lufs=gated_loudness(momentary) if momentary.size else None,
        momentary_max_lufs=m_max,
        short_term_max_lufs=s_max,
        lra_lu=loudness_range(short_term) if short_term.size else None,
        momentary_lufs=_series(m_lufs),
        short_term_lufs=_series(s_lufs),
        series_step_s=SEGMENT_S,
        channel_weights=tuple(float(v) for v in w),
    )
