"""Tempo (with how sure it is) and transient density.

Tempo, streamed block by block (:class:`TempoMeter`, memory bounded whatever the length):

1. **Onset envelope in several bands.** The mono mix, its samples averaged in pairs at
   44.1/48 kHz, is cut into 10 ms steps (a 1024-point Hann window, ~46 ms); the power in
   six bands (below 150 Hz, 150–400 Hz, 400 Hz–1 kHz, 1–2.5 kHz, 2.5–6 kHz, above 6 kHz) is taken in dB, and each band's onset strength is its
   rise from one step to the next, half-wave rectified (a kick raises the low band, a hi-hat
   the top one; a sustained pad raises none), and the envelope is their sum: a hit in any
   register counts, whatever the level of the others. The floor of each band sits 50 dB
   under the loudest step so far, so hiss far under the music makes no onsets.
2. **Tempogram.** Every ~10 s window of the envelopes, less its mean, is autocorrelated up to
   6 s of lag and the windows are summed: a few thousand numbers, whatever the file's length.
3. **Metrical levels.** The normalised tempogram, smoothed over three lags, scores each
   candidate beat period τ (30–300 BPM) by a comb: its values at τ, 2τ and 4τ, and at
   half weight at 3τ and τ/2. A beat's multiples land on the half bar and the bar line;
   those of one and a half beats (1.5, 3, 4.5, 6 beats: the 2/3 reading of syncopated
   3+3+2 patterns) miss both, and a bar's comb reaches past what repeats, so the beat
   scores above either. A log-normal preference centred on 120 BPM (one octave wide, as
   Ellis 2007 and librosa) then picks the octave, and the answer is kept inside 60–200
   BPM (a 200 BPM drum-and-bass song reads 100, the half a listener may count).
4. **Confidence** (0–1) is the comb's score at the chosen period: about 0.5 for a click
   track, 0.35–0.5 for the corpus songs with drums, under :data:`TEMPO_CONFIDENT` for a
   pad (~0.09), noise and speech: then no tempo is reported and nothing is timed by it.

Measured on LMMS songs held out from tuning (``scripts/bench --only tempo``; figures in the
README), against librosa's ``beat_track``.

Transient density counts the onsets of the K-weighted level in 10 ms steps: local maxima of
its rise of at least :data:`ONSET_DB` that stand 50 ms apart.

The compressor rule uses both (analyzers/suggest/dynamics.py): with a confident tempo the
release follows the beat (the bus-glue practice of setting release by tempo), otherwise it
comes from the crest factor; dense transients get a slower attack so each hit keeps its front.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

STEP_S = 0.01
ONSET_DB = 6.0
#: Below this confidence no beat is clear enough: no tempo is reported, nothing is timed by it.
TEMPO_CONFIDENT = 0.15
MIN_BPM, MAX_BPM = 60.0, 200.0
#: Shortest audio with a tempo worth reporting.
MIN_TEMPO_S = 4.0

_BAND_EDGES_HZ = (0.0, 150.0, 400.0, 1000.0, 2500.0, 6000.0, np.inf)
_WINDOW_STEPS = 1024  # tempogram window, ~10 s
_MAX_LAG_STEPS = 600  # 6 s: four beats at 40 BPM, the comb's reach
_FLOOR_DB = -100.0  # band level floor (dB re full scale): silence makes no onsets
_RELATIVE_FLOOR = 1e-5  # and 50 dB under the loudest step so far: hiss makes none either
_PRIOR_CENTRE_BPM = 120.0
_PRIOR_OCTAVES = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TempoResult:
    """``tempo_bpm`` (None when not confident) and ``tempo_confidence`` 0–1."""

    tempo_bpm: float | None
    tempo_confidence: float


class TempoMeter:
    """Tempo of audio fed block by block; memory bounded by one ~10 s window.

    Parameters
    ----------
    sample_rate_hz : float
    channel_weights : sequence of float
        Weight of each channel in the mono mix the beat is heard in.
    """

    def __init__(self, sample_rate_hz: float, channel_weights) -> None:
        self._rate = float(sample_rate_hz)
        w = np.asarray(channel_weights, dtype=np.float64)
        self._weights = w / w.sum() if w.sum() > 0 else np.full(w.size, 1.0 / max(1, w.size))
        # the beat is heard in the mono mix averaged over pairs (or fours) of samples, at
        # 22–48 kHz: the top band (6–11 kHz) survives, the FFTs cost half
        self._decimate = max(1, int(round(self._rate / 22050.0)))
        rate = self._rate / self._decimate
        self._hop = max(1, int(round(rate * STEP_S)))
        self._nfft = 1 << int(np.ceil(np.log2(4 * self._hop)))  # ~46 ms at 48 kHz
        self._window = np.hanning(self._nfft + 2)[1:-1].astype(np.float32)
        freqs = np.fft.rfftfreq(self._nfft, 1.0 / rate)
        edges = [e for e in _BAND_EDGES_HZ[:-1] if e < rate / 2]
        starts = np.unique(np.searchsorted(freqs, edges))
        self._band_starts = starts[starts < freqs.size]  # each band: bins from its start to the next
        self._odd = np.zeros(0, dtype=np.float32)  # samples left over from the pairing
        # power of a full-scale sine in one bin, for the dB floor
        self._floor = float((self._window.sum() / 2) ** 2 * 10 ** (_FLOOR_DB / 10))
        self._tail = np.zeros(self._nfft - self._hop, dtype=np.float32)  # the first frame is centred on 0
        self._last_level: np.ndarray | None = None
        self._env = np.zeros((1, 0))  # onset envelope not yet in the tempogram
        self._ac = np.zeros(_MAX_LAG_STEPS + 1)
        self._steps = 0
        self._peak = 0.0

    def process(self, chunk: np.ndarray) -> None:
        """Add samples ``(channels, samples)``."""
        mono = np.concatenate([self._odd, (self._weights @ np.asarray(chunk)).astype(np.float32)])
        d = self._decimate
        whole = mono.size - mono.size % d
        self._odd = mono[whole:]
        if d > 1:
            mono = mono[:whole].reshape(-1, d).mean(axis=1)
        x = np.concatenate([self._tail, mono])
        n_frames = (x.size - self._nfft) // self._hop + 1
        if n_frames <= 0:
            self._tail = x
            return
        frames = np.lib.stride_tricks.sliding_window_view(x, self._nfft)[:: self._hop][:n_frames]
        spec = scipy.fft.rfft(frames * self._window, axis=1)  # float32 in, complex64 out
        power = spec.real**2 + spec.imag**2
        band_power = np.add.reduceat(power, self._band_starts, axis=1).astype(np.float64)
        # a floor under the loudest step so far: hiss far below the music makes no onsets
        self._peak = max(self._peak, float(band_power.max()))
        level = 10 * np.log10(band_power + max(self._floor, self._peak * _RELATIVE_FLOOR))  # (frames, bands)
        prev = level[:1] if self._last_level is None else self._last_level[None, :]
        flux = np.clip(np.diff(np.vstack([prev, level]), axis=0), 0.0, None).T  # (bands, frames)
        self._last_level = level[-1]
        self._tail = x[n_frames * self._hop :]
        self._env = np.hstack([self._env, flux.sum(axis=0, keepdims=True)])
        self._steps += n_frames
        while self._env.shape[1] >= _WINDOW_STEPS + _MAX_LAG_STEPS:
            self._ac += _window_autocorrelation(self._env[0, : _WINDOW_STEPS + _MAX_LAG_STEPS], _WINDOW_STEPS)
            self._env = self._env[:, _WINDOW_STEPS:]

    def autocorrelation(self) -> np.ndarray:
        """The tempogram so far: the onset envelope's autocorrelation summed over windows,
        lags 0 to 6 s in 10 ms steps, the last partial window included (the meter can still
        be fed)."""
        m = self._env.shape[1]
        return self._ac + _window_autocorrelation(self._env[0], m) if m > 1 else self._ac.copy()

    def result(self) -> TempoResult:
        """The tempo and how sure it is."""
        if self._steps * STEP_S < MIN_TEMPO_S:
            return TempoResult(tempo_bpm=None, tempo_confidence=0.0)
        return tempo_from_autocorrelation(self.autocorrelation())


def _window_autocorrelation(seg: np.ndarray, n: int) -> np.ndarray:
    """Σ_{i<n} x[i]·x[i+k] of ``seg`` less its mean, for lags k up to the longest."""
    seg = seg - seg.mean()
    size = 1 << int(np.ceil(np.log2(seg.size + 1)))
    full = np.fft.irfft(np.conj(np.fft.rfft(seg[:n], size)) * np.fft.rfft(seg, size), size)
    ac = np.zeros(_MAX_LAG_STEPS + 1)
    m = min(seg.size, ac.size)  # lags past the end of a short last window stay 0
    ac[:m] = full[:m]
    return ac


def tempo_from_autocorrelation(ac: np.ndarray) -> TempoResult:
    """Tempo and confidence from the tempogram of :meth:`TempoMeter.autocorrelation`."""
    ac = np.asarray(ac, dtype=np.float64).reshape(-1)
    if not ac[0] > 0:
        return TempoResult(tempo_bpm=None, tempo_confidence=0.0)
    bpm, confidence = _pick(_smooth(ac / ac[0]))
    confidence = float(np.clip(confidence, 0.0, 1.0))
    if bpm is None or confidence < TEMPO_CONFIDENT:
        return TempoResult(tempo_bpm=None, tempo_confidence=round(confidence, 3))
    return TempoResult(tempo_bpm=round(bpm, 1), tempo_confidence=round(confidence, 3))


def _smooth(r: np.ndarray) -> np.ndarray:
    """A three-lag triangle: a beat that falls between two 10 ms steps keeps one peak, and
    the narrow chance peaks of a pad or noise are lowered more than a beat's."""
    out = r.copy()
    out[1:-1] = 0.25 * r[:-2] + 0.5 * r[1:-1] + 0.25 * r[2:]
    return out


def _at(r: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """``r`` at fractional lags (linear interpolation; 0 past the end)."""
    return np.interp(lag, np.arange(r.size), r, right=0.0)


def _comb(r: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Metrical score of each candidate beat period (in steps)."""
    return (
        _at(r, period) + _at(r, 2 * period) + 0.5 * _at(r, 3 * period) + _at(r, 4 * period) + 0.5 * _at(r, period / 2)
    ) / 4.0


def _pick(r: np.ndarray) -> tuple[float | None, float]:
    bpm_grid = np.exp(np.linspace(np.log(30.0), np.log(300.0), 1200))
    period = 60.0 / bpm_grid / STEP_S
    score = _comb(r, period)
    prior = np.exp(-0.5 * (np.log2(bpm_grid / _PRIOR_CENTRE_BPM) / _PRIOR_OCTAVES) ** 2)
    i = int(np.argmax(score * prior))
    if score[i] <= 0:
        return None, 0.0
    bpm = float(bpm_grid[i])
    while bpm > MAX_BPM:
        bpm /= 2
    while bpm < MIN_BPM:
        bpm *= 2
    # refine on the autocorrelation peak nearest the beat period (parabolic interpolation)
    lag = 60.0 / bpm / STEP_S
    k = int(round(lag))
    lo, hi = max(1, k - 2), min(r.size - 2, k + 2)
    if lo <= hi:
        k = lo + int(np.argmax(r[lo : hi + 1]))
        a, b, c = r[k - 1], r[k], r[k + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
        if abs(shift) < 1:
            bpm = 60.0 / ((k + shift) * STEP_S)
    return bpm, float(_comb(r, np.array([60.0 / bpm / STEP_S]))[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class RhythmResult:
    """``tempo_bpm`` (None when no beat is clear enough), ``tempo_confidence`` 0–1, and
    ``onsets_per_s`` (transient density)."""

    tempo_bpm: float | None
    tempo_confidence: float
    onsets_per_s: float


def rhythm(tempo: TempoResult, weighted_energy_10ms: np.ndarray, counts_10ms: np.ndarray) -> RhythmResult:
    """The tempo of a :class:`TempoMeter` and the transient density from per-10 ms weighted
    energies (channels summed)."""
    return RhythmResult(
        tempo_bpm=tempo.tempo_bpm,
        tempo_confidence=tempo.tempo_confidence,
        onsets_per_s=_onsets(weighted_energy_10ms, counts_10ms),
    )


def _onsets(energy: np.ndarray, counts: np.ndarray) -> float:
    if energy.size < 3:
        return 0.0
    level = 10 * np.log10(np.maximum(energy / np.maximum(counts, 1), 1e-12))
    level = np.maximum(level, level.max() - 50.0)
    rise = np.diff(level)
    peaks = np.flatnonzero((rise[1:-1] >= ONSET_DB) & (rise[1:-1] >= rise[:-2]) & (rise[1:-1] > rise[2:])) + 1
    if peaks.size:
        kept = [peaks[0]]
        for p in peaks[1:]:
            if p - kept[-1] >= 5:  # 50 ms apart
                kept.append(p)
        count = len(kept)
    else:
        count = 0
    return round(count / (energy.size * STEP_S), 2)
