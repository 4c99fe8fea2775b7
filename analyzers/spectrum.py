"""Long-term average spectrum in 1/3-octave bands, band crest and mono-sum loss.

Bands follow ISO 266 / IEC 61260 base-10 fractional octaves: exact centres
1000 · 10^(k/10) Hz for k = −17 … 13 (nominal 20 Hz … 20 kHz), edges at centre · 10^(±1/20).
Power comes from FFT frames of about 1/3 s, sine-windowed with 50 % overlap: the squared
windows of overlapping frames add up to a constant, so every sample counts the same
whatever its position in a frame (non-overlapping Hann frames made a kick on a 2.93-frame
period read 2 dB low, and shifted the spectrum of the same song by up to 3 dB between
44.1 and 48 kHz). Each FFT bin
is shared between bands by how much of its width falls in each band, so that even the
20 Hz band (4.6 Hz wide) is measured at 48 kHz.
"""

from __future__ import annotations

import math

import numpy as np

from .convert import POWER_FLOOR
from .records import SpectrumResult

#: ISO 266 nominal 1/3-octave centres, 20 Hz – 20 kHz (labels; the maths uses exact centres).
NOMINAL_CENTRES_HZ = (
    20.0, 25.0, 31.5, 40.0, 50.0, 63.0, 80.0, 100.0, 125.0, 160.0, 200.0, 250.0, 315.0,
    400.0, 500.0, 630.0, 800.0, 1000.0, 1250.0, 1600.0, 2000.0, 2500.0, 3150.0, 4000.0,
    5000.0, 6300.0, 8000.0, 10000.0, 12500.0, 16000.0, 20000.0,
)  # fmt: skip
EXACT_CENTRES_HZ = tuple(1000.0 * 10.0 ** (k / 10.0) for k in range(-17, 14))
_EDGE = 10.0 ** (1.0 / 20.0)
TILT_RANGE_HZ = (50.0, 16000.0)
#: The fine spectrum: points every 1/24 octave from 20 Hz, each the mean power density of
#: the FFT bins within ±1/48 octave (at least the nearest bin), scaled to a 1/3-octave
#: band's width so that it reads like ``level_db`` (pink noise ≈ −14.9 dB everywhere).
FINE_STEP_OCT = 1.0 / 24.0
FINE_LOW_HZ = 20.0
#: Frames whose total power is below this (dBFS) are left out of the band crest.
_CREST_FLOOR_DB = -70.0


def frame_length(sample_rate_hz: float) -> int:
    """FFT length for a rate: the power of two nearest to 1/3 s (16384 at 44.1–48 kHz)."""
    return 1 << max(8, int(round(math.log2(sample_rate_hz / 3.0))))


def band_matrix(sample_rate_hz: float, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``(bins, bands)`` sharing each rFFT bin among the bands, and a band mask.

    The mask is False for bands whose upper edge lies above the Nyquist frequency.
    """
    df = sample_rate_hz / n_fft
    nyquist = sample_rate_hz / 2.0
    n_bins = n_fft // 2 + 1
    lo_bin = (np.arange(n_bins) - 0.5) * df
    hi_bin = (np.arange(n_bins) + 0.5) * df
    weights = np.zeros((n_bins, len(EXACT_CENTRES_HZ)))
    valid = np.zeros(len(EXACT_CENTRES_HZ), dtype=bool)
    for j, fc in enumerate(EXACT_CENTRES_HZ):
        lo, hi = fc / _EDGE, fc * _EDGE
        valid[j] = hi <= nyquist
        overlap = np.clip(np.minimum(hi_bin, hi) - np.maximum(lo_bin, lo), 0.0, None)
        weights[:, j] = overlap / df
    return weights, valid


class SpectrumMeter:
    """Streaming band-power meter over ``(channels, samples)`` blocks.

    With two or more channels the first two are treated as L and R: the band powers of
    mid (L+R)/2 and side (L−R)/2 are kept per frame, and their sum is the mean of the L and
    R powers. Other channels join the long-term spectrum with their own power.
    """

    def __init__(self, sample_rate_hz: float, num_channels: int) -> None:
        self._rate = float(sample_rate_hz)
        self._channels = num_channels
        self._n_fft = frame_length(sample_rate_hz)
        self._hop = self._n_fft // 2
        self._window = np.sin(np.pi * (np.arange(self._n_fft) + 0.5) / self._n_fft)  # Σ w² flat at 50 %
        self._bands, self._valid = band_matrix(sample_rate_hz, self._n_fft)
        # one more column: everything between DC and the 20 Hz band (infrasonic rumble)
        freqs = np.arange(self._bands.shape[0]) * self._rate / self._n_fft
        infra = ((freqs > 0) & (freqs < EXACT_CENTRES_HZ[0] / _EDGE)).astype(float)
        self._sparse = _SparseBands(np.hstack([self._bands, infra[:, None]]))
        self._pending = np.zeros((num_channels, 0))
        # Running statistics only (memory does not grow with the audio's length): sums of
        # the mid and side powers per band (the last column is the infrasonic rest), and
        # per band a histogram of its power in 0.1 dB steps, for the crest's 95th percentile.
        nb = self._bands.shape[1]
        self._frames_seen = 0
        self._sum_mid = np.zeros(nb + 1)
        self._sum_side = np.zeros(nb + 1)
        self._loud_frames = 0
        self._loud_sum = np.zeros(nb)
        self._hist_loud = np.zeros((nb, _HIST_BINS), dtype=np.int64)
        self._hist_all = np.zeros((nb, _HIST_BINS), dtype=np.int64)
        self._frame_scale = 0.25 * self._n_fft**2  # one-sided Σ|X|² ≈ N²/4 · mean square
        self._samples = 0
        # per-bin power sums of the mid and of the side, for the fine spectrum (each written
        # by its own band_powers call, so the two may run on two threads)
        self._bin_sum = {"mid": np.zeros(self._bands.shape[0]), "side": np.zeros(self._bands.shape[0])}

    def process(self, x: np.ndarray) -> None:
        """Add a block of samples."""
        frames = self.take_frames(x)
        if frames is not None:
            self.add_powers(self.band_powers(frames, "mid"), self.band_powers(frames, "side"))

    def take_frames(self, x: np.ndarray) -> np.ndarray | None:
        """Buffer ``x`` and return the complete frames it makes (``(C, F, N)`` view), if any.

        :meth:`band_powers` of the mid and the side can then run on two threads, and
        :meth:`add_powers` adds both (in frame order) to the statistics.
        """
        self._samples += x.shape[1]
        buf = np.concatenate([self._pending, np.asarray(x, dtype=np.float64)], axis=1)
        n_frames = 0 if buf.shape[1] < self._n_fft else 1 + (buf.shape[1] - self._n_fft) // self._hop
        self._pending = buf[:, n_frames * self._hop :]
        if not n_frames:
            return None
        used = buf[:, : (n_frames - 1) * self._hop + self._n_fft]
        return np.lib.stride_tricks.sliding_window_view(used, self._n_fft, axis=1)[:, :: self._hop][:, :n_frames]

    def band_powers(self, frames: np.ndarray, part: str) -> np.ndarray:
        """Band powers ``(F, bands + 1)`` of the ``"mid"`` or ``"side"`` of the frames.

        With one channel, the mid is the channel and the side is zero; with more than two,
        the extra channels join the mid with their own power.
        """
        if self._channels == 1:
            if part == "side":
                return np.zeros((frames.shape[1], self._sparse.bands))
            bins = _power(frames[0] * self._window)
            self._bin_sum["mid"] += bins.sum(axis=0)
            return self._sparse.apply(bins)
        sign = 1.0 if part == "mid" else -1.0
        bins = _power(0.5 * (frames[0] + sign * frames[1]) * self._window)
        self._bin_sum[part] += bins.sum(axis=0)
        p = self._sparse.apply(bins)
        if part == "mid" and self._channels > 2:
            p_side = self._sparse.apply(_power(0.5 * (frames[0] - frames[1]) * self._window))
            extra = self._sparse.apply(sum(_power(frames[c] * self._window) for c in range(2, self._channels)))
            p = (2.0 * (p + p_side) + extra) / self._channels - p_side
        return p

    def add_powers(self, p_mid: np.ndarray, p_side: np.ndarray) -> None:
        """Add the band powers of a run of frames to the running statistics."""
        self._frames_seen += p_mid.shape[0]
        self._sum_mid += p_mid.sum(axis=0)
        self._sum_side += p_side.sum(axis=0)
        total = (p_mid + p_side)[:, :-1] / self._frame_scale  # mean square per band and frame
        loud = total[:, self._valid].sum(axis=1) > 10.0 ** (_CREST_FLOOR_DB / 10.0)
        self._loud_frames += int(loud.sum())
        self._loud_sum += total[loud].sum(axis=0)
        bins = _hist_bins(total)  # (F, bands)
        offsets = np.arange(total.shape[1]) * _HIST_BINS
        self._hist_all += np.bincount((bins + offsets).ravel(), minlength=total.shape[1] * _HIST_BINS).reshape(
            total.shape[1], _HIST_BINS
        )
        if loud.any():
            self._hist_loud += np.bincount((bins[loud] + offsets).ravel(), minlength=total.shape[1] * _HIST_BINS).reshape(
                total.shape[1], _HIST_BINS
            )

    def _frames(self, buf: np.ndarray, n_frames: int) -> None:
        frames = np.lib.stride_tricks.sliding_window_view(buf, self._n_fft, axis=1)[:, :: self._hop][:, :n_frames]
        self.add_powers(self.band_powers(frames, "mid"), self.band_powers(frames, "side"))

    def finish(self) -> SpectrumResult:
        """Flush the last partial frame (zero-padded) and compute the band figures."""
        rest = self._pending.shape[1]
        if rest > (self._hop if self._frames_seen else 0):
            pad = np.zeros((self._channels, self._n_fft - rest))
            self._frames(np.concatenate([self._pending, pad], axis=1), 1)
        self._pending = np.zeros((self._channels, 0))
        nb = len(EXACT_CENTRES_HZ)
        none_bands: tuple[float | None, ...] = (None,) * nb
        if not self._frames_seen:
            return SpectrumResult(
                centres_hz=NOMINAL_CENTRES_HZ, level_db=none_bands, crest_db=none_bands,
                mono_loss_db=none_bands, tilt_db_per_oct=None, frame_s=self._n_fft / self._rate,
            )  # fmt: skip
        mean_mid = self._sum_mid / self._frames_seen
        mean_side = self._sum_side / self._frames_seen
        infra_power = float(mean_mid[-1] + mean_side[-1])
        band_power = (mean_mid + mean_side)[:-1]  # mean power of the channels per band
        valid = self._valid
        all_power = band_power[valid].sum()
        level: list[float | None] = [None] * nb
        crest: list[float | None] = [None] * nb
        loss: list[float | None] = [None] * nb
        fine_hz, fine_db = self._fine(all_power)
        if all_power > POWER_FLOOR:
            use_loud = self._loud_frames > 0
            hist = self._hist_loud if use_loud else self._hist_all
            for j in np.flatnonzero(valid):
                p = band_power[j]
                if p <= POWER_FLOOR * all_power:
                    continue
                level[j] = round(10.0 * math.log10(p / all_power), 2)
                mean = (self._loud_sum[j] / self._loud_frames) if use_loud else p / self._frame_scale
                p95 = _hist_percentile(hist[j], 95.0)
                if mean > 0 and p95 is not None:
                    crest[j] = round(max(0.0, p95 - 10.0 * math.log10(mean)), 2)
                if self._channels >= 2:
                    loss[j] = round(max(-60.0, 10.0 * math.log10(max(mean_mid[j], 1e-30) / p)), 2)
        return SpectrumResult(
            centres_hz=NOMINAL_CENTRES_HZ,
            level_db=tuple(level),
            crest_db=tuple(crest),
            mono_loss_db=tuple(loss),
            tilt_db_per_oct=_tilt(level),
            frame_s=self._n_fft / self._rate,
            fine_hz=fine_hz,
            fine_level_db=fine_db,
            total_dbfs=round(10.0 * math.log10(all_power / self._frame_scale), 2)
            if all_power > POWER_FLOOR
            else None,
            below_20hz_db=round(10.0 * math.log10(infra_power / all_power), 2)
            if all_power > POWER_FLOOR and infra_power > POWER_FLOOR * all_power
            else None,
        )


    def _fine(self, all_power: float) -> tuple[tuple[float, ...], tuple[float | None, ...]]:
        """The fine spectrum (:data:`FINE_STEP_OCT` steps) as shares of ``all_power`` (dB)."""
        top = min(20000.0 * 2 ** (1 / 48), 0.49 * self._rate)
        n = int(math.floor(math.log2(top / FINE_LOW_HZ) / FINE_STEP_OCT)) + 1
        freqs = FINE_LOW_HZ * 2.0 ** (np.arange(n) * FINE_STEP_OCT)
        if all_power <= POWER_FLOOR or not self._frames_seen:
            return tuple(round(float(f), 2) for f in freqs), (None,) * n
        bins = (self._bin_sum["mid"] + self._bin_sum["side"]) / self._frames_seen
        df = self._rate / self._n_fft
        lo = np.floor(freqs * 2 ** (-1 / 48) / df + 0.5).astype(int)
        hi = np.maximum(np.floor(freqs * 2 ** (1 / 48) / df + 0.5).astype(int), lo)
        csum = np.concatenate([[0.0], np.cumsum(bins)])
        hi = np.minimum(hi, bins.size - 1)
        density = (csum[hi + 1] - csum[lo]) / (hi - lo + 1) / df  # power per Hz
        third = freqs * (_EDGE - 1 / _EDGE)  # a 1/3-octave band's width at each point
        share = density * third / all_power
        out = tuple(round(10.0 * math.log10(v), 2) if v > POWER_FLOOR else None for v in share)
        return tuple(round(float(f), 2) for f in freqs), out


#: Band-power histograms: 0.1 dB bins from −250 to +50 dB (mean square re full scale).
_HIST_LOW_DB, _HIST_STEP_DB = -250.0, 0.1
_HIST_BINS = 3000


def _hist_bins(power: np.ndarray) -> np.ndarray:
    db = 10.0 * np.log10(np.maximum(power, 1e-30))
    return np.clip(((db - _HIST_LOW_DB) / _HIST_STEP_DB).astype(np.int64), 0, _HIST_BINS - 1)


def _hist_percentile(hist: np.ndarray, q: float) -> float | None:
    """The ``q``-th percentile (dB) of the values counted in ``hist`` (bin centres)."""
    n = int(hist.sum())
    if n == 0:
        return None
    k = int(np.searchsorted(np.cumsum(hist), q / 100.0 * n, side="left"))
    return _HIST_LOW_DB + (min(k, _HIST_BINS - 1) + 0.5) * _HIST_STEP_DB


class _SparseBands:
    """``power @ weights`` for the band matrix, which is almost all zeros.

    Each band is a run of whole bins plus fractional bins at its two ends, so a band's power
    is one ``np.add.reduceat`` over its inner bins plus two weighted bins: O(bins) per frame
    instead of O(bins × bands).
    """

    def __init__(self, weights: np.ndarray) -> None:
        n_bins, n_bands = weights.shape
        self.bands = n_bands
        self._lo = np.zeros(n_bands, dtype=np.intp)  # first bin with weight
        self._hi = np.zeros(n_bands, dtype=np.intp)  # last bin with weight
        for j in range(n_bands):
            nz = np.flatnonzero(weights[:, j])
            if nz.size:
                self._lo[j], self._hi[j] = nz[0], nz[-1]
            else:
                self._lo[j], self._hi[j] = 0, -1  # empty band
        self._w_lo = weights[self._lo, np.arange(n_bands)]
        self._w_hi = np.where(self._hi > self._lo, weights[np.maximum(self._hi, 0), np.arange(n_bands)], 0.0)
        self._empty = self._hi < self._lo
        self._w_lo[self._empty] = 0.0
        # inner runs [lo + 1, hi): interleaved start/end indices for one reduceat
        start = np.minimum(self._lo + 1, n_bins - 1)
        end = np.clip(self._hi, start, n_bins - 1)
        self._has_inner = end > start
        self._idx = np.ravel(np.column_stack([start, end]))

    def apply(self, power: np.ndarray) -> np.ndarray:
        """Band powers ``(frames, bands)`` from bin powers ``(frames, bins)``."""
        inner = np.add.reduceat(power, self._idx, axis=1)[:, 0::2]
        inner[:, ~self._has_inner] = 0.0
        out = inner + power[:, self._lo] * self._w_lo + power[:, np.maximum(self._hi, 0)] * self._w_hi
        out[:, self._empty] = 0.0
        return out


def _power(frames: np.ndarray) -> np.ndarray:
    spec = np.fft.rfft(frames, axis=-1)
    out = np.square(spec.real)
    out += np.square(spec.imag)
    return out


def _tilt(level_db: list[float | None]) -> float | None:
    pts = [
        (math.log2(fc / 1000.0), lv)
        for fc, lv in zip(EXACT_CENTRES_HZ, level_db)
        if lv is not None and TILT_RANGE_HZ[0] * 0.9 <= fc <= TILT_RANGE_HZ[1] * 1.1
    ]
    if len(pts) < 3:
        return None
    x = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    slope = np.polyfit(x, y, 1)[0]
    return round(float(slope), 3)
