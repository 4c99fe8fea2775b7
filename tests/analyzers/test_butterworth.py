"""The Butterworth designs of analyzers/eq_response.py against scipy.signal.butter."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfilt, sosfreqz

from analyzers.eq_response import butterworth_response_db, butterworth_sections
from bridge.render import butterworth

FREQS = np.array([20.0, 31.5, 50.0, 80.0, 125.0, 500.0, 2000.0, 8000.0, 15000.0, 20000.0])


def _response(sections, freqs, rate):
    z = np.exp(-2j * np.pi * freqs / rate)
    h = np.ones(freqs.size, complex)
    for b, a in sections:
        h *= np.polyval(np.asarray(b)[::-1], z) / np.polyval(np.asarray(a)[::-1], z)
    return 20 * np.log10(np.abs(h))


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize(("highpass", "corner_hz"), [(True, 40.0), (True, 120.0), (False, 5000.0), (False, 16000.0)])
def test_sections_and_formula_equal_scipy(rate, order, highpass, corner_hz):
    ref = 20 * np.log10(np.abs(sosfreqz(butter(order, corner_hz, "highpass" if highpass else "lowpass", fs=rate,
                                                 output="sos"), worN=FREQS, fs=rate)[1]))  # fmt: skip
    ours = _response(butterworth_sections(order, corner_hz, rate, highpass=highpass), FREQS, rate)
    assert np.max(np.abs(ours - ref)) < 1e-6
    formula = butterworth_response_db(FREQS, corner_hz, order, rate, highpass=highpass)
    assert np.max(np.abs(formula - ref)) < 1e-6


@pytest.mark.parametrize("method", ["fir", "iir"])
def test_rendering_equals_sosfilt(rng, method):
    x = (0.3 * rng.standard_normal((2, 96000))).astype(np.float32)
    ours = butterworth(x, 48000, 40.0, 4, highpass=True, method=method)
    ref = sosfilt(butter(4, 40.0, "highpass", fs=48000, output="sos"), x.astype(np.float64), axis=-1)
    assert np.max(np.abs(ours - ref)) < 1e-5  # float32 output
