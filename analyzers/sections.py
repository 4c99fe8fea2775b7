"""Sections: where the short-term loudness changes a lot and stays changed.

Binary segmentation of the short-term (3 s) loudness, read once a second: a stretch is
split where the split best explains it by two different levels, as long as both parts
last at least :data:`MIN_SECTION_S` and their levels differ by at least
:data:`MIN_STEP_LU`. A verse at −16 LUFS and a chorus at −11 LUFS come out as two
sections; a steady song as one.
"""

from __future__ import annotations

import numpy as np

from .records import Section

MIN_SECTION_S = 8.0
MIN_STEP_LU = 3.0
MAX_SECTIONS = 16
_FLOOR_LUFS = -70.0


def find_sections(
    short_term_lufs: tuple[float | None, ...],
    *,
    step_s: float,
    duration_s: float,
    loudness_of,
) -> tuple[Section, ...]:
    """Split the audio into sections of clearly different level.

    Parameters
    ----------
    short_term_lufs : tuple
        Short-term loudness series (3 s windows), one value every ``step_s`` seconds;
        value ``i`` covers ``[i·step_s, i·step_s + 3)``.
    step_s : float
        Series step in seconds.
    duration_s : float
        Length of the audio in seconds.
    loudness_of : callable(start_s, end_s) -> float or None
        Integrated loudness of a stretch (for the section's figure).
    """
    if not short_term_lufs or duration_s < 2 * MIN_SECTION_S:
        return (Section(start_s=0.0, end_s=round(duration_s, 3), loudness_lufs=loudness_of(0.0, duration_s)),)
    per_s = max(1, int(round(1.0 / step_s)))
    raw = np.array([_FLOOR_LUFS if v is None else max(v, _FLOOR_LUFS) for v in short_term_lufs])
    level = raw[::per_s]  # value j: window centred at j + 1.5 s
    min_len = int(MIN_SECTION_S)
    cuts: list[int] = []
    _split(level, 0, level.size, min_len, cuts)
    # a window index j is centred at j + 1.5 s: that is where the level changes
    times = [0.0] + sorted(min(duration_s, j + 1.5) for j in cuts) + [duration_s]
    return tuple(
        Section(start_s=round(a, 3), end_s=round(b, 3), loudness_lufs=loudness_of(a, b))
        for a, b in zip(times[:-1], times[1:])
        if b > a
    )


def _split(level: np.ndarray, lo: int, hi: int, min_len: int, cuts: list[int]) -> None:
    if hi - lo < 2 * min_len or len(cuts) >= MAX_SECTIONS - 1:
        return
    seg = level[lo:hi]
    n = seg.size
    c1 = np.cumsum(seg)
    c2 = np.cumsum(seg * seg)
    k = np.arange(min_len, n - min_len + 1)
    left_n, right_n = k, n - k
    left_sum, right_sum = c1[k - 1], c1[-1] - c1[k - 1]
    left_sq, right_sq = c2[k - 1], c2[-1] - c2[k - 1]
    cost = (left_sq - left_sum**2 / left_n) + (right_sq - right_sum**2 / right_n)
    best = int(np.argmin(cost))
    kb = int(k[best])
    step = abs(left_sum[best] / left_n[best] - right_sum[best] / right_n[best])
    if step < MIN_STEP_LU:
        return
    cuts.append(lo + kb)
    _split(level, lo, lo + kb, min_len, cuts)
    _split(level, lo + kb, hi, min_len, cuts)
