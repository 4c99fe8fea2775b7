"""K-weighting (ITU-R BS.1770-4 §2.1): the 48 kHz design, the streaming filter, the 1 kHz gain.

Reference: the two 48 kHz stages of BS.1770-4 Table 1 and 2 (quoted in
``/work/shared/reference/loudness.md`` §5, item 1) and ``scipy.signal.sosfilt`` running the
two biquads in cascade, which is well conditioned at every rate.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal

from analyzers import ParameterError
from analyzers.kweighting import kweighting_biquads, kweighting_filter

RATES_HZ = (8000, 44100, 48000, 88200, 96000, 192000, 384000)

# BS.1770-4 Table 1 (pre-filter, "stage 1") and Table 2 (RLB high-pass, "stage 2"), 48 kHz.
TABLE_48K = {
    "stage 1 b": (1.53512485958697, -2.69169618940638, 1.19839281085285),
    "stage 1 a": (1.0, -1.69065929318241, 0.73248077421585),
    "stage 2 b": (1.0, -2.0, 1.0),
    "stage 2 a": (1.0, -1.99004745483398, 0.99007225036621),
}


def _sos(sample_rate_hz: float) -> np.ndarray:
    shelf, rlb = kweighting_biquads(sample_rate_hz)
    return np.array([[*shelf.b, *shelf.a], [*rlb.b, *rlb.a]], dtype=np.float64)


def _gain_db(sample_rate_hz: float, freq_hz: float) -> float:
    """|H(e^jω)| of the two cascaded biquads, evaluated directly (no scipy)."""
    z = np.exp(-2j * math.pi * freq_hz / sample_rate_hz)
    h = 1.0 + 0.0j
    for bq in kweighting_biquads(sample_rate_hz):
        h *= (bq.b[0] + bq.b[1] * z + bq.b[2] * z * z) / (bq.a[0] + bq.a[1] * z + bq.a[2] * z * z)
    return 20.0 * math.log10(abs(h))


def _irregular_sizes(total: int, seed: int) -> list[int]:
    """Block sizes from 1 sample to a few FFT lengths, in a seeded irregular order."""
    rng = np.random.default_rng(seed)
    menu = (1, 2, 3, 7, 64, 511, 4097, 12345, 65537, 200003)
    sizes, used = [], 0
    while used < total:
        n = int(min(rng.choice(menu), total - used))
        sizes.append(n)
        used += n
    return sizes


# --- the 48 kHz design is the Recommendation's table ------------------------------------


@pytest.mark.parametrize("name", list(TABLE_48K))
def test_48k_design_equals_bs1770_table(name):
    shelf, rlb = kweighting_biquads(48000)
    stage = shelf if name.startswith("stage 1") else rlb
    got = stage.b if name.endswith("b") else stage.a
    np.testing.assert_allclose(got, TABLE_48K[name], rtol=0, atol=1e-8, err_msg=name)


def test_rate_too_low_for_the_shelf_is_a_parameter_error():
    with pytest.raises(ParameterError, match="3000"):
        kweighting_biquads(3000)


# --- the streaming FIR equals the recursion --------------------------------------------


def _test_signal(kind: str, sample_rate_hz: int, rng: np.random.Generator) -> np.ndarray:
    n = int(sample_rate_hz * 0.75)
    if kind == "white noise":
        return rng.uniform(-1.0, 1.0, (2, n))
    # a full-scale 20 Hz square wave: most of its energy sits where the filter's response
    # is longest (the RLB high-pass near 38 Hz), so it exercises the far tail of the kernel
    t = np.arange(n) / sample_rate_hz
    square = np.where(np.sin(2 * np.pi * 20.0 * t) >= 0.0, 1.0, -1.0)
    return np.stack([square, -square])


@pytest.mark.parametrize("kind", ["white noise", "20 Hz square"])
@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
def test_streaming_filter_equals_sosfilt_in_irregular_blocks(sample_rate_hz, kind, rng):
    x = _test_signal(kind, sample_rate_hz, rng)
    expected = scipy.signal.sosfilt(_sos(sample_rate_hz), x, axis=1)
    filt = kweighting_filter(sample_rate_hz, 2)
    pieces, pos = [], 0
    for size in _irregular_sizes(x.shape[1], seed=sample_rate_hz):
        pieces.append(filt.process(x[:, pos : pos + size]))
        pos += size
    got = np.concatenate(pieces, axis=1)
    assert got.shape == x.shape
    err = float(np.max(np.abs(got - expected)))
    assert err <= 1e-8, f"{sample_rate_hz} Hz, {kind}: max |FIR − sosfilt| = {err:.3g} of full scale"


@pytest.mark.parametrize("sample_rate_hz", [44100, 192000])
def test_streaming_filter_output_does_not_depend_on_blocks(sample_rate_hz, rng):
    x = rng.uniform(-1.0, 1.0, (1, sample_rate_hz // 2))
    whole = kweighting_filter(sample_rate_hz, 1).process(x)
    filt = kweighting_filter(sample_rate_hz, 1)
    pieces, pos = [], 0
    for size in _irregular_sizes(x.shape[1], seed=7):
        pieces.append(filt.process(x[:, pos : pos + size]))
        pos += size
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), whole, rtol=0, atol=1e-12)


def test_empty_block_is_accepted_and_changes_nothing(rng):
    x = rng.uniform(-1.0, 1.0, (2, 5000))
    filt = kweighting_filter(48000, 2)
    a = filt.process(x[:, :2000])
    assert filt.process(x[:, :0]).shape == (2, 0)
    b = filt.process(x[:, 2000:])
    expected = scipy.signal.sosfilt(_sos(48000), x, axis=1)
    np.testing.assert_allclose(np.concatenate([a, b], axis=1), expected, rtol=0, atol=1e-9)


# --- the gain at 1 kHz -------------------------------------------------------------------


def test_gain_at_1khz_of_the_48k_design():
    # +0.69 dB at 1 kHz is what makes a 1 kHz sine at −23 dBFS peak in two channels read
    # −23.0 LUFS: −0.691 + 10·log10(2 · ½ · 10^(−2.3)) + 0.69 ≈ −23.0
    assert _gain_db(48000, 1000.0) == pytest.approx(0.69, abs=0.02)


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
def test_gain_at_1khz_at_every_rate(sample_rate_hz):
    # The other rates are bilinear designs of the same prototypes; the frequency warping
    # moves the 1 kHz gain by up to ~0.025 dB (0.711 dB at 8 kHz, 0.666 dB at 384 kHz).
    assert _gain_db(sample_rate_hz, 1000.0) == pytest.approx(0.69, abs=0.03)


@pytest.mark.parametrize("sample_rate_hz", [44100, 48000, 96000])
def test_streaming_filter_gain_on_a_1khz_sine(sample_rate_hz):
    """The filter the meter runs (not just its design) lifts a 1 kHz sine by the design gain."""
    n = sample_rate_hz  # 1 s; the first 0.2 s (start-up transient) are left out
    t = np.arange(n) / sample_rate_hz
    x = np.sin(2 * np.pi * 1000.0 * t)[None, :]
    y = kweighting_filter(sample_rate_hz, 1).process(x)
    skip = sample_rate_hz // 5
    measured = 10 * math.log10(np.mean(y[0, skip:] ** 2) / np.mean(x[0, skip:] ** 2))
    assert measured == pytest.approx(_gain_db(sample_rate_hz, 1000.0), abs=0.002)
    assert measured == pytest.approx(0.69, abs=0.02)
