"""Voices for the tests: espeak-ng speech at 48 kHz, sibilant bursts, phrases at set levels
(importable: ``from voices import …``)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

from signals import require_executable

RATE = 48000


def speak(text: str, *, voice: str = "en") -> np.ndarray:
    """espeak-ng saying ``text``: mono float32 ``(1, n)`` at 48 kHz, peak −6 dBFS."""
    exe = require_executable("espeak-ng")
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "v.wav"
        subprocess.run([exe, "-v", voice, "-w", str(out), text], check=True, capture_output=True)
        from pedalboard.io import AudioFile

        with AudioFile(str(out)) as f:
            x, rate = f.read(f.frames), f.samplerate
    y = resample_poly(x.astype(np.float64), RATE, int(rate), axis=1)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def band_noise(rng: np.random.Generator, n: int, centre_hz: float, *, octaves: float = 0.5) -> np.ndarray:
    """Noise in a band ``octaves`` wide around ``centre_hz`` (4th-order Butterworth), RMS 1."""
    lo, hi = centre_hz * 2 ** (-octaves / 2), centre_hz * 2 ** (octaves / 2)
    sos = butter(4, [lo, hi], btype="bandpass", fs=RATE, output="sos")
    y = sosfilt(sos, rng.standard_normal(n + 2000))[2000:]
    return y / np.sqrt(np.mean(y**2))


def with_esses(voice: np.ndarray, rng: np.random.Generator, *, centre_hz: float, level_db: float,
               count: int = 8, length_s: float = 0.12,
               octaves: float = 0.5) -> tuple[np.ndarray, list[tuple[float, float]]]:  # fmt: skip
    """``voice`` with ``count`` sibilant bursts (band noise ``octaves`` wide, raised-cosine
    edges) at ``level_db`` relative to the voice's loud frames (its 90th-percentile 20 ms
    RMS), spread evenly; returns the audio and the bursts' (start_s, end_s). Half an octave
    makes esses with a sharp peak at ``centre_hz`` (sibilance there); an octave, esses whose
    energy is spread as a natural voice's is."""
    x = voice[0].astype(np.float64).copy()
    frame = int(0.02 * RATE)
    rms = np.sqrt(np.mean(x[: x.size // frame * frame].reshape(-1, frame) ** 2, axis=1))
    ref = np.percentile(rms[rms > 0], 90)
    n = int(length_s * RATE)
    env = np.sin(np.linspace(0, np.pi, n)) ** 0.5
    times = []
    for i in range(count):
        a = int((i + 0.5) / count * (x.size - n))
        x[a : a + n] += env * band_noise(rng, n, centre_hz, octaves=octaves) * ref * 10 ** (level_db / 20)
        times.append((a / RATE, (a + n) / RATE))
    return x[None, :].astype(np.float32), times


def phrases(levels_db: list[float], *, text: str = "we sing a long and even line", gap_s: float = 0.8) -> np.ndarray:
    """The same spoken phrase at each level (dB against the first), ``gap_s`` of silence between."""
    one = speak(text)[0]
    gap = np.zeros(int(gap_s * RATE), dtype=np.float32)
    parts = [gap]
    for lv in levels_db:
        parts += [one * np.float32(10 ** (lv / 20)), gap]
    return np.concatenate(parts)[None, :] * np.float32(0.5)
