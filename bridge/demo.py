"""The built-in demo: a short synthetic mix to try Second Ear on with no file at hand.

A 24 s, 48 kHz stereo groove at 120 BPM: kick, snare, hats, a bass line and a wide pad,
with a quieter verse (0–12 s) and a louder chorus (12–24 s), so that every meter has
something to show (sections, stereo width, a low end, transients). It is generated, not
recorded, so it ships with no licence question and is the same on every machine.
"""

from __future__ import annotations

import numpy as np

DEMO_SAMPLE_RATE_HZ = 48000
DEMO_DURATION_S = 24.0
DEMO_NAME = "<demo: synthetic 24 s groove>"


def demo_mix(sample_rate_hz: int = DEMO_SAMPLE_RATE_HZ, duration_s: float = DEMO_DURATION_S) -> np.ndarray:
    """The demo mix, float32 shaped ``(2, samples)``, peaks below −1 dBFS."""
    rng = np.random.default_rng(2024)
    n = int(duration_s * sample_rate_hz)
    beat_s = 0.5  # 120 BPM
    out = np.zeros((2, n))

    def hit(start_s: float, sound: np.ndarray, gain: float, pan: float = 0.0) -> None:
        i = int(start_s * sample_rate_hz)
        j = min(n, i + sound.size)
        if i >= n:
            return
        left, right = np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)
        out[0, i:j] += gain * left * sound[: j - i]
        out[1, i:j] += gain * right * sound[: j - i]

    sr = sample_rate_hz
    kick, snare, hat = drum_sounds(rng, sr)

    bass_notes_hz = [55.0, 55.0, 65.41, 49.0]
    pad_chords_hz = [(220.0, 261.63, 329.63), (174.61, 220.0, 261.63), (196.0, 246.94, 293.66), (164.81, 207.65, 246.94)]
    n_beats = int(duration_s / beat_s)
    for b in range(n_beats):
        start = b * beat_s
        chorus = start >= duration_s / 2
        g = 1.0 if chorus else 0.5
        if b % 2 == 0:
            hit(start, kick, 0.55 * g)
        else:
            hit(start, snare, 0.30 * g, pan=0.05)
        for half in (0.0, 0.25):
            hit(start + half, hat, (0.10 if half else 0.14) * g, pan=0.4)
        bar = (b // 4) % 4
        tb = np.arange(int(beat_s * sr)) / sr
        f0 = bass_notes_hz[bar]
        bass = np.tanh(2.0 * np.sin(2 * np.pi * f0 * tb)) * np.minimum(1, tb / 0.01) * np.exp(-tb / 0.6)
        hit(start, bass, 0.28 * g)
    # pad: detuned saws, one voice per side, slow attack per bar
    bar_s = 4 * beat_s
    for k in range(int(duration_s / bar_s)):
        start = k * bar_s
        chorus = start >= duration_s / 2
        tp = np.arange(int(bar_s * sr)) / sr
        env = np.minimum(1, tp / 0.4) * np.minimum(1, (bar_s - tp) / 0.2)
        for side, detune in ((0, 0.997), (1, 1.003)):
            voice = sum(_saw(f * detune, tp) for f in pad_chords_hz[k % 4]) / 3
            i = int(start * sr)
            j = min(n, i + tp.size)
            out[side, i:j] += (0.10 if chorus else 0.05) * env[: j - i] * voice[: j - i]
    out = _gentle_lowpass(out, sample_rate_hz)
    out -= out.mean(axis=1, keepdims=True)  # the decaying hits leave a DC offset (−59 dBFS): none in a demo
    peak = np.abs(out).max()
    return (out * (10 ** (-1.5 / 20) / peak)).astype(np.float32)


def drum_sounds(rng: np.random.Generator, sample_rate_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One kick (a 45 Hz sine with a falling pitch), snare (noise and 190 Hz) and hi-hat hit."""
    sr = sample_rate_hz
    tk = np.arange(int(0.35 * sr)) / sr
    kick = np.sin(2 * np.pi * (45 * tk + 60 * (1 - np.exp(-tk / 0.03)) * 0.03)) * np.exp(-tk / 0.12)
    ts = np.arange(int(0.25 * sr)) / sr
    snare = (0.6 * rng.standard_normal(ts.size) + 0.5 * np.sin(2 * np.pi * 190 * ts)) * np.exp(-ts / 0.06)
    th = np.arange(int(0.06 * sr)) / sr
    hat = np.diff(rng.standard_normal(th.size + 1)) * np.exp(-th / 0.012)
    return kick, snare, hat


def _saw(freq_hz: float, t: np.ndarray) -> np.ndarray:
    return 2.0 * ((t * freq_hz) % 1.0) - 1.0


def _gentle_lowpass(x: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """One-pole smoothing at ~9 kHz in the frequency domain (tames the raw saws)."""
    spec = np.fft.rfft(x, axis=1)
    f = np.fft.rfftfreq(x.shape[1], 1 / sample_rate_hz)
    spec /= np.sqrt(1 + (f / 9000.0) ** 2)
    return np.fft.irfft(spec, x.shape[1], axis=1)
