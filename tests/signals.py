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
