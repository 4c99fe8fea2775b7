"""Sample peak, DC, clipping runs, over-full-scale samples and silence at the ends.

Clipping shows as runs of samples at one level. At full scale that is the converter's or the
export's clip; below it, the same flat tops at a level the file reaches again and again are
a clip that was turned down afterwards (a clipped recording normalised, a limiter with no
look-ahead at its ceiling). A clean file reaches its own peak once or a few times, so flat
runs at the peak count as clipping only when there are at least :data:`FLAT_TOP_RUNS_MIN`
of them.
"""

from __future__ import annotations

import numpy as np

#: A sample at or above this level counts towards a clipping run (−0.01 dBFS ≈ 0.99885).
CLIP_LEVEL_DBFS = -0.01
#: Beyond full scale means above this: a decoder that scales fixed point by 1/32767 reads the
#: most negative 16-bit sample as −1.0000305 (24-bit: −1.0000001), which is at full scale,
#: not beyond it. Only a float file holds samples further out.
OVER_FULL_SCALE = 1.0 + 2.0**-12
#: Consecutive samples at the clip level that make a run (three: two equal neighbours of a
#: peak happen in clean audio, three in a row at full scale rarely do).
CLIP_RUN_MIN = 3
#: Flat runs (CLIP_RUN_MIN+ equal samples) within this of the file's peak (dB) are flat tops.
FLAT_TOP_WITHIN_DB = 0.05
#: This many flat runs at the peak, below full scale, make a clip that was turned down.
FLAT_TOP_RUNS_MIN = 10
#: A flat top is entered steeply: the step into or out of the run is at least this share of
#: the level (a clip cuts the waveform where it still moves; the flat peak of a quantised
#: low sine, 16-bit 40 Hz at −6 dBFS, is entered by a step of 1–2 LSB, about 1e-4).
FLAT_TOP_ENTRY_STEP = 2e-3
#: Flat runs below this level (dBFS) are not looked at (quiet passages, digital silence).
FLAT_TOP_FLOOR_DBFS = -20.0
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
        self._flat_lin = 10.0 ** (FLAT_TOP_FLOOR_DBFS / 20.0)
        self._tail = [np.zeros(0, dtype=np.float32) for _ in range(num_channels)]
        # per channel: level of a flat run -> [runs, samples], pruned to levels near the peak
        self._flats: list[dict[float, list[int]]] = [{} for _ in range(num_channels)]
        self.flat_top_samples = 0
        self.flat_top_runs = 0
        self.flat_top_dbfs: float | None = None
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
        over = mag > OVER_FULL_SCALE
        self.over_full_scale += int(np.count_nonzero(over))
        loud = np.flatnonzero((mag > self._silence_lin).any(axis=0))
        if loud.size:
            if self.first_loud is None:
                self.first_loud = self.samples + int(loud[0])
            self.last_loud = self.samples + int(loud[-1])
        for ch in range(x.shape[0]):
            # beyond full scale is no clip: a float file still holds those samples whole
            self._clip_runs((mag[ch] >= self._clip_lin) & ~over[ch], ch)
            self._flat_runs(mag[ch], ch)
        self.samples += n

    def _flat_runs(self, m: np.ndarray, ch: int) -> None:
        """Tally runs of CLIP_RUN_MIN+ equal sample magnitudes within 0.1 dB of the running
        peak (the peak only grows; above the floor), entered steeply, by level. The run
        still open at the end of a block, with the sample before it, is carried into the
        next, so a run is counted once whatever the block size. Only the samples near the
        peak are looked at, so a clean block costs two comparisons."""
        near = max(self._flat_lin, self.peak[ch] * 10.0 ** (-0.1 / 20.0))
        tail = self._tail[ch]
        x = np.concatenate([tail, m]) if tail.size else m
        lead = tail.size
        if x[-1] >= near:
            differ = np.flatnonzero(x[:-1] != x[-1])
            self._tail[ch] = x[int(differ[-1]) if differ.size else 0:][-65536:].copy()
        else:
            self._tail[ch] = x[-1:].copy()
        pairs = np.flatnonzero((x[1:] >= near) & (x[:-1] >= near))
        if pairs.size == 0:
            tally = self._flats[ch]
            for lv in [v for v in tally if v < near]:
                del tally[lv]
            return
        pairs = pairs[x[pairs] == x[pairs + 1]]  # x[k] == x[k + 1]
        if pairs.size == 0:
            return
        # consecutive pairs k, k+1, … make one run x[start] … x[end]
        breaks = np.flatnonzero(np.diff(pairs) != 1)
        starts = pairs[np.concatenate([[0], breaks + 1])]
        ends = pairs[np.concatenate([breaks, [pairs.size - 1]])] + 1
        # long enough, closed in this block (not counted before), entered from a sample we have
        ok = (ends - starts >= CLIP_RUN_MIN - 1) & (ends < x.size - 1) & (ends >= lead - 1) & (starts >= 1)
        if not ok.any():
            return
        level = x[starts].astype(np.float64)
        before = np.abs(x[np.maximum(starts - 1, 0)] - level)
        after = np.abs(x[np.minimum(ends + 1, x.size - 1)] - level)
        ok &= np.maximum(before, after) >= FLAT_TOP_ENTRY_STEP * level
        tally = self._flats[ch]
        for lv, length in zip(level[ok].tolist(), (ends[ok] - starts[ok] + 1).tolist()):
            entry = tally.setdefault(lv, [0, 0])
            entry[0] += 1
            entry[1] += length
        for lv in [v for v in tally if v < near]:
            del tally[lv]

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
        """Close runs still open at the end of the audio; count flat tops below full scale."""
        for ch in range(self._run.size):
            self._close_run(ch)
        for ch, tally in enumerate(self._flats):
            peak = self.peak[ch]
            if peak <= 0.0 or peak >= self._clip_lin:
                continue  # full-scale clipping is counted by the runs above
            at_peak = [v for lv, v in tally.items() if lv >= peak * 10.0 ** (-FLAT_TOP_WITHIN_DB / 20.0)]
            runs = sum(v[0] for v in at_peak)
            if runs >= FLAT_TOP_RUNS_MIN:
                self.flat_top_runs += runs
                self.flat_top_samples += sum(v[1] for v in at_peak)
                level = 20.0 * float(np.log10(peak))
                self.flat_top_dbfs = level if self.flat_top_dbfs is None else max(self.flat_top_dbfs, level)
