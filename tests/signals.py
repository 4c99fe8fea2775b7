"""Signal generators and part checks shared by the tests (importable: ``from signals import …``)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest


def require_executable(name: str) -> str:
    """Path of ``name`` on PATH, or skip (fail under CI) saying how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: run scripts/setup-system (CI installs it)")
    return path



def require_mount_namespace() -> None:
    """Skip (fail under CI) unless ``unshare -rm`` may make a user and mount namespace here
    (for a tiny tmpfs that fills up)."""
    require_executable("unshare")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rm (a user and mount namespace for a tiny tmpfs) is not allowed here: {probe.stderr.strip()}")

def sine(freq_hz: float, level_dbfs: float, duration_s: float, sample_rate_hz: float,
         *, channels: int = 2, phase_rad: float = 0.0) -> np.ndarray:
    """A sine whose peak is ``level_dbfs`` in every channel, shaped (channels, samples), float32."""
    n = int(round(duration_s * sample_rate_hz))
    t = np.arange(n) / sample_rate_hz
    one = (10.0 ** (level_dbfs / 20.0)) * np.sin(2 * np.pi * freq_hz * t + phase_rad)
    return np.tile(one.astype(np.float32), (channels, 1))


def write_float_wav(path, samples: np.ndarray, sample_rate_hz: int) -> None:
    """Write a 32-bit float WAV by hand (format tag 3), keeping NaN/Inf samples as they are.

    pedalboard's writer is not used here because a test file must be able to hold values
    an encoder would refuse or clean up.
    """
    import struct

    channels = samples.shape[0]
    data = np.ascontiguousarray(samples.T, dtype="<f4").tobytes()
    header = (
        b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 3, channels, sample_rate_hz,
                                sample_rate_hz * channels * 4, channels * 4, 32)
        + b"data" + struct.pack("<I", len(data))
    )  # fmt: skip
    with open(path, "wb") as fh:
        fh.write(header + data)


def write_wav16(path, samples: np.ndarray, sample_rate_hz: int) -> None:
    """Write a 16-bit PCM WAV through pedalboard."""
    from pedalboard.io import AudioFile

    with AudioFile(str(path), "w", sample_rate_hz, samples.shape[0], bit_depth=16) as f:
        f.write(np.ascontiguousarray(samples, dtype=np.float32))


def pink_noise(rng: np.random.Generator, duration_s: float, sample_rate_hz: float, *, channels: int = 2,
               correlation: float = 0.8, level_dbfs: float = -20.0) -> np.ndarray:
    """Pink noise by 1/f power shaping of white noise (flat share in every 1/3-octave band),
    float32 ``(channels, samples)`` at ``level_dbfs`` RMS per channel.

    Channels share a common part with weight √correlation, so their correlation is about
    ``correlation`` (0.8: a normal stereo image, the side about 10 % of the energy).
    """
    n = int(round(duration_s * sample_rate_hz))
    f = np.fft.rfftfreq(n, 1.0 / sample_rate_hz)
    shape = 1.0 / np.sqrt(np.maximum(f, f[1]))

    def one() -> np.ndarray:
        x = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * shape, n)
        return x / np.sqrt(np.mean(x * x))

    common = one()
    if channels == 1:
        out = common[None, :]
    else:
        w = np.sqrt(correlation)
        out = np.stack([w * common + np.sqrt(1.0 - correlation) * one() for _ in range(channels)])
    return (out * 10.0 ** (level_dbfs / 20.0)).astype(np.float32)


def drum_loop(rng: np.random.Generator, duration_s: float, sample_rate_hz: float) -> np.ndarray:
    """A dry stereo kick / snare / hi-hat loop at 120 BPM, peaks at −1 dBFS (crest ≈ 18 dB)."""
    sr = sample_rate_hz
    n = int(round(duration_s * sr))
    out = np.zeros((2, n))
    from bridge.demo import drum_sounds

    kick, snare, hat = drum_sounds(rng, sr)
    for beat in range(int(duration_s / 0.5)):
        i = int(beat * 0.5 * sr)
        hit = 0.8 * kick if beat % 2 == 0 else 0.5 * snare
        j = min(n, i + hit.size)
        out[:, i:j] += hit[: j - i]
        for offset_s, gain in ((0.0, 0.15), (0.25, 0.10)):
            k = int((beat * 0.5 + offset_s) * sr)
            j = min(n, k + hat.size)
            out[0, k:j] += gain * hat[: j - k]
            out[1, k:j] += 0.8 * gain * hat[: j - k]
    return (out / np.abs(out).max() * 10 ** (-1 / 20)).astype(np.float32)


def ffmpeg_ebur128(ffmpeg: str, path) -> dict[str, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of a file by ffmpeg's ``ebur128``
    filter: the independent second meter the tests compare with."""
    import re
    import subprocess

    proc = subprocess.run(
        [ffmpeg, "-nostats", "-hide_banner", "-i", str(path), "-filter_complex", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = proc.stderr[proc.stderr.rfind("Summary:") :]
    i = re.search(r"I:\s*(-?[\d.]+)\s+LUFS", summary)
    tp = re.search(r"True peak:\s*Peak:\s*(-?[\d.]+)\s+dBFS", summary)
    assert i and tp, summary
    return {"integrated_lufs": float(i.group(1)), "true_peak_dbtp": float(tp.group(1))}


def espeak_voice(text: str, sample_rate_hz: float = 48000, *, peak_dbfs: float = -6.0, voice: str = "en") -> np.ndarray:
    """``text`` spoken by Debian's espeak-ng, resampled to ``sample_rate_hz``, mono float64
    with its peak at ``peak_dbfs``; the silence espeak puts at the ends is trimmed. A stand-in
    for a voice's structure (words, pauses, sibilants); its formants are not a natural voice's."""
    import subprocess
    import tempfile
    from fractions import Fraction

    from pedalboard.io import AudioFile
    from scipy.signal import resample_poly

    exe = require_executable("espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/voice.wav"
        subprocess.run([exe, "-v", voice, "-w", path, text], check=True, capture_output=True, timeout=60)
        with AudioFile(path) as f:
            x, rate = f.read(f.frames)[0].astype(np.float64), f.samplerate
    ratio = Fraction(int(sample_rate_hz), int(rate)).limit_denominator(1000)
    x = resample_poly(x, ratio.numerator, ratio.denominator)
    loud = np.flatnonzero(np.abs(x) > 1e-4)
    x = x[loud[0] : loud[-1] + 1]
    return x / np.abs(x).max() * 10 ** (peak_dbfs / 20)


def voice_with_pauses(phrases: list[str], sample_rate_hz: float = 48000, *, pause_s: float = 1.0) -> np.ndarray:
    """espeak phrases with ``pause_s`` of digital silence before, between and after them (mono float64)."""
    gap = np.zeros(int(round(pause_s * sample_rate_hz)))
    parts = [gap]
    for p in phrases:
        parts += [espeak_voice(p, sample_rate_hz), gap]
    return np.concatenate(parts)


def mains_hum(freq_hz: float, levels_dbfs: dict[int, float], num_samples: int, sample_rate_hz: float) -> np.ndarray:
    """Hum: harmonic k of ``freq_hz`` at ``levels_dbfs[k]`` RMS (dBFS), random phases (seeded), mono float64."""
    t = np.arange(num_samples) / sample_rate_hz
    rng = np.random.default_rng(50)
    return sum(np.sqrt(2) * 10 ** (lv / 20) * np.sin(2 * np.pi * k * freq_hz * t + rng.uniform(0, 2 * np.pi))
               for k, lv in levels_dbfs.items())  # fmt: skip
