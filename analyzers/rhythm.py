"""Tempo and transient density from the K-weighted energy in 10 ms steps.

Onset strength is the rise of the (K-weighted, channel-weighted) level from one 10 ms
step to the next, half-wave rectified: a hit raises the level by several dB within a step,
a sustained note does not. Tempo is the lag of the strongest peak of the onset strength's
autocorrelation between 60 and 180 BPM (a beat period of 0.33–1 s), read with parabolic
interpolation, weighted towards 120 BPM; its strength (the normalised peak height) says how sure the estimate is, and
below :data:`MIN_TEMPO_CLARITY` no tempo is reported. Like every beat tracker it can
answer the half or the double of the tempo a drummer would count: above about 170 BPM it
reads the half (a 174 BPM click reads 87), so may a fast tempo whose beat falls between two
10 ms steps (a 160 BPM click reads 80: its autocorrelation peak splits over two lags), and it
may read a triplet grouping; on the
corpus it reads 6 of 8 songs within 1 %, one at 2/3 of its tempo, and none for a 200 BPM
drum-and-bass song (no beat under 180 BPM). Transient density counts the onsets:
local maxima of the onset strength that rise at least :data:`ONSET_DB` over 10 ms and stand
50 ms apart.

The compressor rule uses both (analyzers/suggest/dynamics.py): release times follow the
beat (a compressor that recovers within a beat "breathes" with the song, the bus-glue
practice of setting release by tempo), and dense transients get a slower attack so that
each hit keeps its front.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEP_S = 0.01
ONSET_DB = 6.0
MIN_TEMPO_CLARITY = 0.2
_MIN_BPM, _MAX_BPM = 60.0, 180.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RhythmResult:
    """``tempo_bpm`` (None when there is no clear beat), ``tempo_clarity`` 0–1, and
    ``onsets_per_s`` (transient density)."""

    tempo_bpm: float | None
    tempo_clarity: float
    onsets_per_s: float


def rhythm(weighted_energy_10ms: np.ndarray, counts_10ms: np.ndarray) -> RhythmResult:
    """Tempo and transient density from per-10 ms weighted energies (channels summed)."""
    n = weighted_energy_10ms.size
    if n < int(4.0 / STEP_S):  # under 4 s: no tempo worth reporting
        return RhythmResult(tempo_bpm=None, tempo_clarity=0.0, onsets_per_s=_onsets(weighted_energy_10ms, counts_10ms))
    level = 10 * np.log10(np.maximum(weighted_energy_10ms / np.maximum(counts_10ms, 1), 1e-12))
    level = np.maximum(level, level.max() - 60.0)  # silence does not make onsets
    flux = np.clip(np.diff(level), 0.0, None)
    flux -= flux.mean()
    lag_lo = int(round(60.0 / _MAX_BPM / STEP_S))
    lag_hi = int(round(60.0 / _MIN_BPM / STEP_S))
    ac = _autocorrelation(flux, lag_hi + 2)
    if ac[0] <= 0:
        return RhythmResult(tempo_bpm=None, tempo_clarity=0.0, onsets_per_s=_onsets(weighted_energy_10ms, counts_10ms))
    ac /= ac[0]
    # a log-normal preference around 120 BPM (one octave wide), as in Ellis (2007) and
    # librosa's tempo estimate: it picks the beat over the bar when both repeat
    lags = np.arange(lag_lo, lag_hi + 1)
    prior = np.exp(-0.5 * np.log2(60.0 / (lags * STEP_S) / 120.0) ** 2)
    k = lag_lo + int(np.argmax(ac[lag_lo : lag_hi + 1] * prior))
    clarity = float(max(0.0, ac[k]))
    # parabolic interpolation of the peak
    if 0 < k < ac.size - 1:
        a, b, c = ac[k - 1], ac[k], ac[k + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom != 0 else 0.0
    else:
        shift = 0.0
    bpm = 60.0 / ((k + shift) * STEP_S)
    return RhythmResult(
        tempo_bpm=round(bpm, 1) if clarity >= MIN_TEMPO_CLARITY else None,
        tempo_clarity=round(clarity, 3),
        onsets_per_s=_onsets(weighted_energy_10ms, counts_10ms),
    )


def _autocorrelation(x: np.ndarray, lags: int, *, block: int = 1 << 14) -> np.ndarray:
    """Σ_n x[n]·x[n+k] for k < ``lags``, summed block by block (memory bounded by ``block``)."""
    out = np.zeros(lags)
    m = 1 << int(np.ceil(np.log2(block + lags)))
    for start in range(0, x.size, block):
        a = x[start : start + block]
        b = x[start : start + block + lags]
        ac = np.fft.irfft(np.conj(np.fft.rfft(a, m)) * np.fft.rfft(b, m), m)[:lags]
        out += ac
    return out


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
