"""Sample peak, DC, clipping runs, over-full-scale samples and silence at the ends."""

from __future__ import annotations

import numpy as np

#: A sample at or above this level counts towards a clipping run (−0.01 dBFS ≈ 0.99885).
CLIP_LEVEL_DBFS = -0.01
#: Consecutive samples at the clip level that make a run (three: two equal neighbours of a
#: peak happen in clean audio, three in a row at full scale rarely do).
CLIP_RUN_MIN = 3
#: Below this level (dBFS, absolute sample value) the ends of a file count as silence.
SILENCE_LEVEL_DBFS = -60.0


class LevelMeter:
    """Streaming sample-level statistics over ``(channels, samples)`` blocks."""

    def __init__(self, num_channels: int) -> None:
        self._clip_lin = 10.0 ** (CLIP_LEVEL_DBFS / 20.0)
        self._silence_lin = 10.0 ** (SILENCE_LEVEL_DBFS / 20.0)
        self.peak = np.zeros(num_channels)
        self.sum = np.zeros(num_channels)
        self.sum_sq = np.zeros(num_channels)
        self.over_full_scale = 0
        self.clipped_samples = 0
        self.clip_runs = 0
        self._run = np.zeros(num_channels, dtype=np.int64)  # open run length per channel
        self.first_loud: int | None = None
        self.last_loud: int | None = None
        self.samples = 0

    def process(self, x: np.ndarray) -> None:
        """Add a block (float, full scale 1.0)."""
        n = x.shape[1]
        if n == 0:
            return
        mag = np.abs(x)
        self.peak = np.maximum(self.peak, mag.max(axis=1))
        self.sum += x.sum(axis=1, dtype=np.float64)
        self.sum_sq += np.einsum("ij,ij->i", x, x, dtype=np.float64)
        self.over_full_scale += int(np.count_nonzero(mag > 1.0))
        loud = np.flatnonzero((mag > self._silence_lin).any(axis=0))
        if loud.size:
            if self.first_loud is None:
                self.first_loud = self.samples + int(loud[0])
            self.last_loud = self.samples + int(loud[-1])
        for ch in range(x.shape[0]):
            self._clip_runs(mag[ch] >= self._clip_lin, ch)
        self.samples += n

    def _clip_runs(self, hot: np.ndarray, ch: int) -> None:
        """Count runs of ``hot`` samples of at least CLIP_RUN_MIN, across block edges."""
        if not hot.any():
            self._close_run(ch)
            return
        edges = np.diff(np.concatenate([[0], hot.view(np.int8), [0]]))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        lengths = ends - starts
        if starts[0] == 0:  # continues the run open at the end of the last block
            lengths[0] += self._run[ch]
        else:
            self._close_run(ch)
        open_at_end = ends[-1] == hot.size
        closed = lengths[:-1] if open_at_end else lengths
        long = closed[closed >= CLIP_RUN_MIN]
        self.clipped_samples += int(long.sum())
        self.clip_runs += int(long.size)
        self._run[ch] = int(lengths[-1]) if open_at_end else 0

    def _close_run(self, ch: int) -> None:
        if self._run[ch] >= CLIP_RUN_MIN:
            self.clipped_samples += int(self._run[ch])
            self.clip_runs += 1
        self._run[ch] = 0

    def finish(self) -> None:
        """Close runs still open at the end of the audio."""
        for ch in range(self._run.size):
            self._close_run(ch)
