"""Unit converters, named ``x_to_y``. Decibels here are 10·log10 of power or 20·log10 of amplitude."""

from __future__ import annotations

import math

import numpy as np

#: Power below which a level is treated as "no signal" (−200 dB).
POWER_FLOOR = 1e-20


def power_to_db(power: float) -> float:
    """Power (mean square, full scale = 1.0) → dB; ``-inf`` for zero power."""
    return 10.0 * math.log10(power) if power > POWER_FLOOR else -math.inf


def amplitude_to_db(amplitude: float) -> float:
    """Linear amplitude (full scale = 1.0) → dB; ``-inf`` for zero."""
    return 20.0 * math.log10(amplitude) if amplitude > 1e-10 else -math.inf


def db_to_amplitude(level_db: float) -> float:
    """dB → linear amplitude factor."""
    return 10.0 ** (level_db / 20.0)


def db_to_power(level_db: float) -> float:
    """dB → linear power factor."""
    return 10.0 ** (level_db / 10.0)


def powers_to_db(power: np.ndarray) -> np.ndarray:
    """Array of powers → dB, ``-inf`` where the power is at or below :data:`POWER_FLOOR`."""
    power = np.asarray(power, dtype=np.float64)
    out = np.full(power.shape, -np.inf)
    ok = power > POWER_FLOOR
    out[ok] = 10.0 * np.log10(power[ok])
    return out
