"""Signal generators and part checks shared by the tests (importable: ``from signals import …``)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest


def require_executable(name: str) -> str:
    """Path of ``name`` on PATH, or skip (fail under CI) saying how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: run scripts/setup-system (CI installs it)")
    return path


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
