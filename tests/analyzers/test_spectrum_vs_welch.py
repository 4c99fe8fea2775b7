"""The long-term spectrum against an independent estimate: scipy.signal.welch (50 % overlap).

Our meter uses consecutive (non-overlapping) Hann frames to halve the FFTs; over a song
this must give the same long-term band levels as Welch's method. For pink noise the bands
are integrated here independently (plain frequency masks); for the demo mix, whose bass
notes sit near band edges, the Welch spectrum goes through the meter's own bin-to-band
weights so that only the framing is compared.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from analyzers import analyze
from analyzers.spectrum import EXACT_CENTRES_HZ, band_matrix
from bridge.demo import demo_mix

RATE = 48000


def welch_band_levels(x: np.ndarray, rate: float, *, masks: bool) -> np.ndarray:
    freqs, psd = welch(x, fs=rate, window="hann", nperseg=16384, noverlap=8192, axis=-1)
    psd = psd.mean(axis=0)  # mean power of the channels
    if masks:
        edge = 10 ** (1 / 20)
        band = np.array([psd[(freqs >= fc / edge) & (freqs < fc * edge)].sum() for fc in EXACT_CENTRES_HZ])
    else:
        band = psd @ band_matrix(rate, 16384)[0]
    return 10 * np.log10(band / band.sum())


def pink_noise(rng, n, channels=2):
    spec = np.fft.rfft(rng.standard_normal((channels, n)), axis=-1)
    f = np.fft.rfftfreq(n, 1 / RATE)
    spec[:, 1:] /= np.sqrt(f[1:])
    spec[:, 0] = 0
    x = np.fft.irfft(spec, n, axis=-1)
    return (0.1 * x / np.abs(x).max()).astype(np.float32)


@pytest.mark.parametrize("signal", ["demo", "pink"])
def test_band_levels_match_welch(signal, rng):
    x = demo_mix() if signal == "demo" else pink_noise(rng, 30 * RATE)
    ours = np.array(analyze(x, RATE).spectrum.level_db, dtype=float)
    ref = welch_band_levels(x.astype(np.float64), RATE, masks=signal == "pink")
    from_50_hz = np.array(EXACT_CENTRES_HZ) >= 50
    diff = np.abs(ours - ref)[from_50_hz]
    # loud bands agree closely; quiet bands (more than 40 dB under the loudest) loosely
    loud = (ref[from_50_hz] > ref.max() - 40)
    assert diff[loud].max() < 0.5, list(zip(np.array(EXACT_CENTRES_HZ)[from_50_hz][loud], diff[loud]))
