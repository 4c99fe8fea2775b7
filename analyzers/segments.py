"""Sums of per-sample quantities over short segments (10 ms or 100 ms), block by block.

BS.1770 measures over 400 ms blocks stepped by 100 ms (75 % overlap), and EBU Tech 3341
short-term over 3 s stepped the same way: both are sums of whole segments, so the meters
keep only these sums (a few numbers per segment, whatever the file's length). The maxima
of momentary and short-term loudness are taken on a 10 ms grid: Tech 3341 cases 13 and 14
place 400 ms bursts off the 100 ms grid, and a 100 ms grid misses up to 0.5 LU of them.
Segment ``k`` starts at sample ``round(k * sample_rate_hz / per_second)`` (half up, in
integers where the rate is whole), so ten 10 ms segments make exactly one 100 ms segment.
"""

from __future__ import annotations

import math

import numpy as np

SEGMENT_S = 0.1


class SegmentSums:
    """Sums of ``num_quantities`` per-sample series over consecutive 100 ms segments."""

    def __init__(self, sample_rate_hz: float, num_quantities: int, *, per_second: int = 10) -> None:
        self._rate = float(sample_rate_hz)
        self._per_second = int(per_second)
        self._int_rate = int(sample_rate_hz) if float(sample_rate_hz).is_integer() else None
        self._q = num_quantities
        self._pos = 0  # samples seen
        self._seg = 0  # index of the open segment
        self._open = np.zeros(num_quantities)
        # closed segments, in arrays grown by doubling (a few bytes per 100 ms, no objects)
        self._sums = np.zeros((64, num_quantities))
        self._lengths = np.zeros(64, dtype=np.int64)
        self._n_closed = 0

    def bound(self, k: int) -> int:
        """First sample of segment ``k``."""
        if self._int_rate is not None:
            return (2 * k * self._int_rate + self._per_second) // (2 * self._per_second)
        return int(math.floor(k * self._rate / self._per_second + 0.5))

    def cuts(self, n: int) -> np.ndarray:
        """Start offsets of the pieces the next ``n`` samples fall into (first is 0).

        ``np.add.reduceat(row, self.cuts(n))`` on each quantity, stacked, is what
        :meth:`add_pieces` takes: the quantities can be summed in parallel, no copy made.
        """
        self._close_if_full()
        start, end = self._pos, self._pos + n
        cuts = [0]
        k = self._seg + 1
        while self.bound(k) < end:
            cuts.append(self.bound(k) - start)
            k += 1
        return np.asarray(cuts, dtype=np.intp)

    def add(self, values: np.ndarray) -> None:
        """Add ``values`` shaped ``(num_quantities, samples)``."""
        if values.shape[1] == 0:
            return
        idx = self.cuts(values.shape[1])
        self.add_pieces(np.add.reduceat(values, idx, axis=1), values.shape[1])

    def add_pieces(self, sums: np.ndarray, n: int) -> None:
        """Add per-piece sums ``(num_quantities, pieces)`` of the next ``n`` samples."""
        if n == 0:
            return
        cuts = sums.shape[1] - 1
        if cuts == 0:
            self._open += sums[:, 0]
        else:
            closed = sums[:, :cuts].T.copy()
            closed[0] += self._open
            self._append_closed(closed)
            self._open = sums[:, -1].copy()
        self._pos += n

    def _append_closed(self, closed: np.ndarray) -> None:
        """Store ``closed`` (segments, quantities) as the next complete segments."""
        m = closed.shape[0]
        need = self._n_closed + m
        if need > self._lengths.size:
            size = max(need, 2 * self._lengths.size)
            self._sums = np.concatenate([self._sums, np.zeros((size - self._sums.shape[0], self._q))])
            self._lengths = np.concatenate([self._lengths, np.zeros(size - self._lengths.size, np.int64)])
        self._sums[self._n_closed : need] = closed
        ks = np.arange(self._seg, self._seg + m + 1)
        self._lengths[self._n_closed : need] = np.diff([self.bound(int(k)) for k in ks])
        self._n_closed = need
        self._seg += m

    def _close_if_full(self) -> None:
        """Close the open segment if the samples so far end exactly on its end, so that the
        next block starts a new segment at its first sample."""
        if self._open_is_full():
            self._append_closed(self._open[None, :].copy())
            self._open = np.zeros(self._q)

    def _open_is_full(self) -> bool:
        """The samples end exactly where the open segment ends: it is complete."""
        return self._pos > 0 and self._pos == self.bound(self._seg + 1)

    def complete(self) -> tuple[np.ndarray, np.ndarray]:
        """Sums of the complete segments ``(segments, num_quantities)`` and their lengths."""
        sums = self._sums[: self._n_closed]
        lengths = self._lengths[: self._n_closed]
        if self._open_is_full():
            sums = np.vstack([sums, self._open[None, :]])
            lengths = np.append(lengths, self.bound(self._seg + 1) - self.bound(self._seg))
        return sums, lengths  # views: callers must not write to them

    @property
    def open_sums(self) -> np.ndarray:
        """Sums of the incomplete tail (zeros when the samples end on a segment boundary)."""
        return np.zeros(self._q) if self._open_is_full() else self._open.copy()

    @property
    def samples_seen(self) -> int:
        return self._pos


def window_sums(per_segment: np.ndarray, width: int, *, exact: bool = True) -> np.ndarray:
    """Sums over ``width`` consecutive segments, one per start segment (axis 0).

    ``exact=False`` uses differences of a running sum: O(n) instead of O(n × width), with
    a rounding residue (~1e-16 of the running total) where the signal falls silent — fine
    for a maximum, not for a series that must read "no signal" in silence.
    """
    if per_segment.shape[0] < width:
        return np.zeros((0,) + per_segment.shape[1:])
    if not exact:
        c = np.concatenate([np.zeros((1,) + per_segment.shape[1:]), np.cumsum(per_segment, axis=0)])
        return c[width:] - c[:-width]
    # summed window by window (not by differences of a running sum) so that a silent
    # window after a loud one sums to exactly zero
    return np.lib.stride_tricks.sliding_window_view(per_segment, width, axis=0).sum(axis=-1)
