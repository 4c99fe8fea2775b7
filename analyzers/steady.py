"""Steady bumps: the part of a bell-shaped bump that is there in (almost) every frame.

An EQ bell, a microphone's or a room's resonance is a fixed filter: it lifts the same band
by the same amount in every moment of the recording. A voice's own resonances are not
fixed: its formants move with every vowel, so a bump of the long-term spectrum that comes
from the voice shows in some frames and not in others. :class:`SteadyMeter` measures, for
each centre from 100 Hz to 12 kHz (every 1/24 octave), the gain of a bell fitted to each
frame's spectrum and keeps the lower quartile of those gains over the active frames: what
a fixed bell adds survives the quartile (the fit is linear in the spectrum in dB, so a
fixed bell adds its gain to every frame's figure); what the voice adds now and then does not.

Per frame (the spectrum meter's length: 16384 samples at 44.1–48 kHz, half overlapping,
Hann window; of the channels' mean, the sum a voice is heard in):

* the fine spectrum on the 1/24-octave points of :mod:`analyzers.spectrum` (mean power
  density of the bins within ±1/48 octave), smoothed over 1/6 octave, in dB;
* at each centre and each Q of :data:`QS`, the least-squares fit over ±:data:`FIT_HALF_OCT`
  of a straight line in log-frequency plus the bell's own response (the real biquad's, per
  dB of gain): the bell's fitted gain. The line takes the spectrum's slope, so a bell on a
  falling spectrum is seen (a running median over a monotone stretch follows it and hides it).

Active frames are those within :data:`ACTIVE_RANGE_DB` of the loud frames (95th
percentile) and above −70 dBFS; the frames kept are at most :data:`MAX_FRAMES`, evenly
spread over the file (each time the store fills, every other frame is dropped and from then on
only every other frame is kept), so memory does not grow with the length.

Measured on ``../shared/corpus-real`` (benchmarks/ears/tonal.py's cases, README "Ears"):
the three voices read at most +2.9 dB clean; +8 dB Q 2 bells at 500 Hz read +6.9 to +9.3.
Instruments and LMMS mixes hold steady resonances of their own (a tabla's head +6.7 dB, a
guitar's body +10.5, a loop's synth up to +17): for them the figure says nothing an EQ did,
and :mod:`analyzers.suggest.corrective` uses it for voices only.

Everything here is pure: numpy only.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .eq_response import move_response_db
from .moves import Move

#: The fine spectrum's grid (as :mod:`analyzers.spectrum`'s, which imports the records this
#: module's result is part of): points every 1/24 octave from 20 Hz.
FINE_STEP_OCT = 1.0 / 24.0
FINE_LOW_HZ = 20.0
#: Centres looked at (Hz).
CENTRE_RANGE_HZ = (100.0, 12000.0)
#: Bell widths fitted.
QS = (1.0, 1.4, 2.0, 2.8)
#: The line + bell fit spans this many octaves each side of the centre.
FIT_HALF_OCT = 1.5
#: The share of frames a bump must be in: the figure kept is this quantile of the frames' gains.
QUANTILE = 0.25
#: Frames within this far (dB) of the loud frames (95th percentile) are active.
ACTIVE_RANGE_DB = 20.0
_ABS_GATE_DBFS = -70.0
#: The most frames kept (then every other one is dropped).
MAX_FRAMES = 2048
#: Fewest active frames to judge from.
MIN_FRAMES = 8
_SMOOTH_POINTS = 5  # 1/6 octave of 1/24-octave points


@dataclass(frozen=True, slots=True, kw_only=True)
class SteadyResult:
    """Per centre: the lower quartile over the active frames of the fitted bell's gain (dB)
    at the best-fitting Q (the largest of the Qs' quartiles), and that Q."""

    centres_hz: tuple[float, ...]
    gain_db: tuple[float, ...]
    q: tuple[float, ...]
    frames: int

    def peaks(self, min_db: float, zone_hz: tuple[float, float]) -> list[tuple[float, float, float]]:
        """Local maxima ``(freq_hz, gain_db, q)`` at least ``min_db`` inside ``zone_hz``, largest
        first; the centre is refined by a parabola through the peak and its neighbours."""
        f = np.array(self.centres_hz)
        g = np.array(self.gain_db)
        out = []
        for i in range(1, f.size - 1):
            if not zone_hz[0] <= f[i] <= zone_hz[1] or g[i] < min_db or g[i] < g[i - 1] or g[i] < g[i + 1]:
                continue
            den = g[i - 1] - 2 * g[i] + g[i + 1]
            off = float(np.clip(0.5 * (g[i - 1] - g[i + 1]) / den, -0.5, 0.5)) if den < 0 else 0.0
            out.append((float(f[i] * 2 ** (off * FINE_STEP_OCT)), float(g[i]), float(self.q[i])))
        return sorted(out, key=lambda p: -p[1])


@functools.lru_cache(maxsize=8)
def _projection(rate: float, n: int, centres: tuple[int, ...], half: int) -> np.ndarray:
    """``(points, centres × Qs)``: each column gives a bell's fitted gain from a spectrum (dB)
    — the bell row of the pseudo-inverse of [1, log2 f, the bell's response per dB] over
    ±``half`` points (the same for every meter at a rate: made once)."""
    freqs = FINE_LOW_HZ * 2.0 ** (np.arange(n) * FINE_STEP_OCT)
    x = np.log2(freqs)
    designs = []
    for i in centres:
        sl = slice(i - half, i + half + 1)
        xx = x[sl] - x[i]
        for q in QS:
            bell = move_response_db(Move("peak", {"freq_hz": float(freqs[i]), "gain_db": 6.0, "q": q}),
                                    freqs[sl], rate) / 6.0  # fmt: skip
            designs.append(np.column_stack([np.ones_like(xx), xx, bell]))
    rows = np.linalg.pinv(np.stack(designs))[:, 2, :]  # (columns, 2·half + 1)
    proj = np.zeros((n, len(centres) * len(QS)))
    for c, i in enumerate(centres):
        for k in range(len(QS)):
            proj[i - half : i + half + 1, c * len(QS) + k] = rows[c * len(QS) + k]
    proj.setflags(write=False)
    return proj


class SteadyMeter:
    """Streaming per-frame bell fits over ``(channels, samples)`` chunks."""

    def __init__(self, sample_rate_hz: float, num_channels: int) -> None:
        self.rate = float(sample_rate_hz)
        self.channels = int(num_channels)
        self.n_fft = 1 << max(8, int(round(math.log2(self.rate / 3.0))))  # spectrum.frame_length: ~1/3 s
        self.hop = self.n_fft // 2
        self.window = np.hanning(self.n_fft + 1)[:-1]
        top = min(20000.0 * 2 ** (1 / 48), 0.49 * self.rate)
        n = int(math.floor(math.log2(top / FINE_LOW_HZ) / FINE_STEP_OCT)) + 1
        self.freqs = FINE_LOW_HZ * 2.0 ** (np.arange(n) * FINE_STEP_OCT)
        df = self.rate / self.n_fft
        n_bins = self.n_fft // 2 + 1
        self._lo = np.minimum(np.floor(self.freqs * 2 ** (-1 / 48) / df + 0.5).astype(int), n_bins - 1)
        self._hi = np.minimum(np.maximum(np.floor(self.freqs * 2 ** (1 / 48) / df + 0.5).astype(int), self._lo), n_bins - 1)
        half = int(round(FIT_HALF_OCT / FINE_STEP_OCT))
        hi_hz = min(CENTRE_RANGE_HZ[1], 0.45 * self.rate)
        self.centres = np.array([i for i in range(half, n - half)
                                 if CENTRE_RANGE_HZ[0] <= self.freqs[i] <= hi_hz], dtype=int)  # fmt: skip
        self._proj = _projection(self.rate, n, tuple(int(i) for i in self.centres), half)
        self._tail = np.zeros((1, 0))
        self._gains: list[np.ndarray] = []
        self._levels: list[float] = []
        self._stride = 1
        self._seen = 0

    def process(self, x: np.ndarray) -> None:
        """Add a chunk (float, ``(channels, samples)``)."""
        buf = np.concatenate([self._tail, np.asarray(x, dtype=np.float64).mean(axis=0, keepdims=True)], axis=1)
        n_frames = 0 if buf.shape[1] < self.n_fft else 1 + (buf.shape[1] - self.n_fft) // self.hop
        if n_frames:
            frames = np.lib.stride_tricks.sliding_window_view(buf, self.n_fft, axis=1)[:, :: self.hop][:, :n_frames]
            take = [j for j in range(n_frames) if (self._seen + j) % self._stride == 0]
            self._seen += n_frames
            if take:
                spec = np.fft.rfft(frames[0, take] * self.window, axis=-1)
                power = spec.real**2 + spec.imag**2  # (frames, bins)
                self._add(power)
        self._tail = buf[:, n_frames * self.hop :]

    def _add(self, power: np.ndarray) -> None:
        csum = np.concatenate([np.zeros((power.shape[0], 1)), np.cumsum(power, axis=1)], axis=1)
        density = (csum[:, self._hi + 1] - csum[:, self._lo]) / (self._hi - self._lo + 1)
        h = _SMOOTH_POINTS // 2  # running mean over the points within ±h (fewer at the ends)
        c2 = np.concatenate([np.zeros((density.shape[0], 1)), np.cumsum(density, axis=1)], axis=1)
        idx = np.arange(density.shape[1])
        lo, hi = np.maximum(idx - h, 0), np.minimum(idx + h + 1, density.shape[1])
        smooth = (c2[:, hi] - c2[:, lo]) / (hi - lo)
        level = 10 * np.log10(np.maximum(smooth, 1e-30))
        gains = level @ self._proj
        scale = 2.0 / (self.n_fft * float(np.sum(self.window**2)))
        for g, p in zip(gains, power.sum(axis=1)):
            self._gains.append(g.astype(np.float16))
            self._levels.append(10 * math.log10(max(p * scale, 1e-30)))
        if len(self._gains) >= MAX_FRAMES:  # keep every other frame from here on
            self._gains = self._gains[::2]
            self._levels = self._levels[::2]
            self._stride *= 2

    def finish(self) -> SteadyResult | None:
        """The steady gains, or None with fewer than :data:`MIN_FRAMES` active frames."""
        if not self._levels or self.centres.size == 0:
            return None
        levels = np.array(self._levels)
        active = (levels >= np.percentile(levels, 95) - ACTIVE_RANGE_DB) & (levels > _ABS_GATE_DBFS)
        if active.sum() < MIN_FRAMES:
            return None
        g = np.array(self._gains, dtype=np.float32)[active]
        quart = np.quantile(g, QUANTILE, axis=0).reshape(self.centres.size, len(QS))
        best = np.argmax(quart, axis=1)
        return SteadyResult(
            centres_hz=tuple(round(float(self.freqs[i]), 2) for i in self.centres),
            gain_db=tuple(round(float(quart[c, b]), 2) for c, b in enumerate(best)),
            q=tuple(QS[b] for b in best),
            frames=int(active.sum()),
        )
