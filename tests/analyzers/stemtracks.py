"""Synthetic stems for the cross-track tests: kick drums heard by two microphones, band-limited
noise for masking, and the ``{name: (samples, rate)}`` form the rules take."""

from __future__ import annotations

import math

import numpy as np

RATE = 48000
SECONDS = 4.0
N = int(RATE * SECONDS)


def kick_track(rng: np.random.Generator, n: int = N) -> np.ndarray:
    """A kick drum every 0.5 s: a 120 → 50 Hz sweep with a noise click, random hit levels."""
    x = np.zeros(n)
    t = np.arange(int(0.3 * RATE)) / RATE
    hit = np.sin(2 * np.pi * np.cumsum(50 + 70 * np.exp(-t / 0.03)) / RATE) * np.exp(-t / 0.12)
    click = int(0.004 * RATE)
    hit[:click] += 0.5 * rng.standard_normal(click) * np.exp(-np.arange(click) / (0.001 * RATE))
    for start in range(0, n - hit.size, RATE // 2):
        x[start : start + hit.size] += hit * rng.uniform(0.6, 1.0)
    return 0.5 * x


def shifted(x: np.ndarray, lag: int) -> np.ndarray:
    """``x`` arriving ``lag`` samples later (earlier when negative), same length."""
    if lag >= 0:
        return np.concatenate([np.zeros(lag), x[: x.size - lag]])
    return np.concatenate([x[-lag:], np.zeros(-lag)])


def second_mic(rng, x: np.ndarray, *, lag: int, invert: bool, gain_db: float = 0.0) -> np.ndarray:
    """The same source at another microphone: shifted, maybe inverted, plus its own noise 20 dB down."""
    y = (-1.0 if invert else 1.0) * 10 ** (gain_db / 20) * shifted(x, lag)
    return y + 0.1 * math.sqrt(np.mean(y * y)) * rng.standard_normal(x.size)


def band_noise(rng, lo_hz: float, hi_hz: float, rms: float, n: int = N) -> np.ndarray:
    """White noise band-limited to lo…hi Hz (brick wall), at ``rms``."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spec[(f < lo_hz) | (f > hi_hz)] = 0
    x = np.fft.irfft(spec, n)
    return x * rms / math.sqrt(np.mean(x * x))


def tracks(**signals) -> dict:
    return {k: (v[None, :].astype(np.float32), RATE) for k, v in signals.items()}


def by_track(advice) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for t, s in advice.suggestions:
        out.setdefault(t, {})[s.move.kind] = s
    return out
