"""EBU Tech 3342 loudness range (LRA), cases 1–4, synthesised.

Stereo 1 kHz sines, 20 s per level, levels as sine peak dBFS in each channel (so the
level in dBFS is the short-term loudness in LUFS). Expected values and the ±1 LU tolerance:
``/work/shared/reference/loudness.md`` §5.1. Cases 5 and 6 need the EBU programme files.
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzers import analyze

RATE = 48000

LRA_CASES = {
    "3342-1": ((-20.0, -30.0), 10.0),
    "3342-2": ((-20.0, -15.0), 5.0),
    "3342-3": ((-40.0, -20.0), 20.0),
    "3342-4": ((-50.0, -35.0, -20.0, -35.0, -50.0), 15.0),
}


def _levels(levels_dbfs, seconds_each: float, sample_rate_hz: int) -> np.ndarray:
    """A continuous 1 kHz stereo sine stepping through ``levels_dbfs``, float32."""
    per = int(round(seconds_each * sample_rate_hz))
    gain = np.repeat(10.0 ** (np.asarray(levels_dbfs) / 20.0), per)
    t = np.arange(gain.size) / sample_rate_hz
    one = (gain * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    return np.tile(one, (2, 1))


@pytest.mark.parametrize("case", list(LRA_CASES))
def test_loudness_range(case):
    levels, expected = LRA_CASES[case]
    lra = analyze(_levels(levels, 20.0, RATE), RATE).loudness.lra_lu
    assert lra == pytest.approx(expected, abs=1.0)


def test_loudness_range_at_44k1():
    levels, expected = LRA_CASES["3342-1"]
    lra = analyze(_levels(levels, 20.0, 44100), 44100).loudness.lra_lu
    assert lra == pytest.approx(expected, abs=1.0)


def test_steady_tone_has_no_range():
    lra = analyze(_levels((-23.0,), 10.0, RATE), RATE).loudness.lra_lu
    assert lra == pytest.approx(0.0, abs=0.05)


def test_relative_gate_drops_the_quiet_part():
    # −20 dBFS and −45 dBFS, 20 s each: the −45 dBFS windows lie more than 20 LU below the
    # mean of the windows (≈ −23 LUFS) and are gated out; only the few 3 s windows that
    # straddle the step widen the range a little. Without the −20 LU relative gate the
    # 10th percentile would be −45 LUFS and the range about 25 LU.
    lra = analyze(_levels((-20.0, -45.0), 20.0, RATE), RATE).loudness.lra_lu
    assert 0.0 <= lra <= 3.0
