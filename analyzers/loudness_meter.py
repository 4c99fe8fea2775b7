"""Integrated loudness and true peak only, streamed: what ``apply``'s measuring passes need.

:class:`analyzers.Analyzer` measures everything (spectrum, sections, tempo, sibilance…);
a pass that only has to know where the loudness and the peaks landed (the closed loop of a
loudness move, over a file too long to hold) needs these two figures, computed as the
Analyzer computes them: K-weighting per channel, K-weighted energy summed per 10 ms and
joined into 100 ms segments, 400 ms blocks gated by BS.1770-4; the BS.1770-4 true peak.
"""

from __future__ import annotations

import numpy as np

from .chunks import Chunker
from .kweighting import kweighting_filter
from .loudness import MOMENTARY_SEGMENTS, default_channel_weights, gated_loudness, weighted_window_power
from .segments import SegmentSums
from .truepeak import TruePeakMeter


class LoudnessPeakMeter:
    """Streaming integrated loudness (LUFS) and true peak (linear) of ``(channels, n)`` blocks.

    The figures equal :class:`analyzers.Analyzer`'s ``loudness.integrated_lufs`` (before its
    rounding to 0.01) and ``levels.true_peak_dbtp`` (before rounding).

    ``true_peak=False`` leaves the true peak out (it costs as much as the loudness); then
    :meth:`finish` gives 0.0 for it.
    """

    def __init__(self, sample_rate_hz: float, num_channels: int, *, chunk_samples: int = 1 << 18,
                 true_peak: bool = True) -> None:  # fmt: skip
        self.rate = float(sample_rate_hz)
        self.channels = int(num_channels)
        self._weights = np.asarray(default_channel_weights(self.channels), dtype=np.float64)
        self._kfilters = [kweighting_filter(self.rate, 1) for _ in range(self.channels)]
        self._k10 = SegmentSums(self.rate, self.channels, per_second=100)
        self._segments = SegmentSums(self.rate, 1)  # the 100 ms segments' lengths
        self._truepeak = TruePeakMeter(self.channels) if true_peak else None
        self._chunker = Chunker(chunk_samples)

    def push(self, block: np.ndarray) -> None:
        chunk = self._chunker.add(np.asarray(block))
        if chunk is not None:
            self._measure(chunk)

    def _measure(self, chunk: np.ndarray) -> None:
        chunk64 = np.where(np.isfinite(chunk), chunk, 0.0).astype(np.float64, copy=False)
        idx = self._segments.cuts(chunk.shape[1])
        idx10 = self._k10.cuts(chunk.shape[1])
        sums = []
        for c in range(self.channels):
            weighted = self._kfilters[c].process(chunk64[c : c + 1])[0]
            sums.append(np.add.reduceat(weighted * weighted, idx10))
        self._k10.add_pieces(np.stack(sums), chunk.shape[1])
        self._segments.add_pieces(np.zeros((1, idx.size)), chunk.shape[1])
        if self._truepeak is not None:
            self._truepeak.process(chunk64)

    def finish(self) -> tuple[float | None, float]:
        """(integrated loudness in LUFS or None, true peak linear: the largest over channels)."""
        rest = self._chunker.take()
        if rest is not None:
            self._measure(rest)
        seg, counts = self._segments.complete()
        k10, _ = self._k10.complete()
        n100 = min(seg.shape[0], k10.shape[0] // 10)  # whole 100 ms segments
        k_energy = k10[: n100 * 10].reshape(n100, 10, self.channels).sum(axis=1)
        momentary = weighted_window_power(k_energy, counts[:n100], self._weights, MOMENTARY_SEGMENTS)
        lufs = gated_loudness(momentary) if momentary.size else None
        peaks = self._truepeak.finish() if self._truepeak is not None else np.zeros(0)
        return lufs, float(peaks.max()) if peaks.size else 0.0


def integrated_lufs(samples: np.ndarray, sample_rate_hz: float) -> float | None:
    """Integrated loudness (LUFS) of ``(channels, n)`` samples, as :func:`analyzers.analyze`
    reports it (rounded to 0.01), or None when nothing passes the gates (silence, or shorter
    than one 400 ms block): the one figure an A/B's loudness match or a loudness move's check
    needs, at a fraction of a whole analysis's cost."""
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[None, :]
    meter = LoudnessPeakMeter(sample_rate_hz, x.shape[0], true_peak=False)
    step = 1 << 18
    for start in range(0, x.shape[1], step):
        meter.push(x[:, start : start + step])
    lufs, _ = meter.finish()
    return None if lufs is None or not np.isfinite(lufs) else round(float(lufs), 2)
