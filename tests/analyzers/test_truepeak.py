"""True peak (BS.1770-4 Annex 2): the fast path against the exhaustive one, blocks, tiny input.

``TruePeakMeter`` evaluates the 4× interpolation only near samples that come within
``CANDIDATE_MARGIN_DB`` of the running peak; ``exhaustive=True`` evaluates every position.
The EBU Tech 3341 true-peak cases (15–19) are in ``test_ebu3341.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzers import analyze
from analyzers.truepeak import ANNEX2_PHASES, TruePeakMeter

RATE = 48000


def _true_peak_db(x: np.ndarray, *, exhaustive: bool = False, block: int | None = None) -> np.ndarray:
    meter = TruePeakMeter(x.shape[0], exhaustive=exhaustive)
    step = block or max(1, x.shape[1])
    for i in range(0, x.shape[1], step):
        meter.process(x[:, i : i + step])
    return 20.0 * np.log10(meter.finish())


def _pinkish(n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise shaped 1/f in power (−3 dB/octave), peak-normalised to 1."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    y = np.fft.irfft(spec / np.sqrt(f), n)
    return y / np.max(np.abs(y))


def _tone(freq_hz: float, amp: float, phase: float, n: int) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq_hz * np.arange(n) / RATE + phase)


def _hf_click() -> np.ndarray:
    """A 10-sample Hann-windowed burst at 0.4115·fs (19.75 kHz at 48 kHz), −6 dBFS: a click.

    Found by a seeded search over short bursts between 0.3·fs and 0.5·fs: its largest
    inter-sample peak lies between two samples more than 6.5 dB below the burst's sample
    peak, while the taps around them are loud.
    """
    n = np.arange(10)
    burst = np.hanning(12)[1:-1] * np.sin(2 * np.pi * 0.411526151230301 * n + 2.501433202165067)
    x = np.zeros((1, 64))
    x[0, 20:30] = 0.5 * burst
    return x


def _worst_case_taps() -> np.ndarray:
    """12 samples whose signs follow the taps of the half-way interpolation phase, at 0.5,
    except the two centre samples, which are at 0.45 × 0.5 (−6.9 dB, under the fast path's
    6.5 dB margin). Between those two the interpolation adds up every tap in phase:
    0.5 · (Σ|c| − 0.55 · (|c₅| + |c₆|)) ≈ 0.67, i.e. +2.6 dB over the sample peak.
    """
    taps = ANNEX2_PHASES[1][::-1]  # window position t multiplies tap 11 − t
    pattern = 0.5 * np.sign(taps)
    pattern[5:7] *= 0.45
    x = np.zeros((1, 64))
    x[0, 20:32] = pattern
    return x


def _signals(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = RATE * 2
    sigs = {
        "white noise": rng.uniform(-0.5, 0.5, (2, n)),
        "pink-ish noise": np.stack([0.9 * _pinkish(n, rng), 0.5 * _pinkish(n, rng)]),
        "clipped loud noise": np.clip(1.5 * rng.standard_normal((2, n)), -1.0, 1.0),
        "limited loud noise": np.tanh(3.0 * rng.standard_normal((2, n))),
        "hf click": _hf_click(),
        "worst-case tap pattern": _worst_case_taps(),
    }
    for f in (18000.0, 21000.0, 23000.0, 23900.0):
        for phase in (0.0, 1.1):
            sigs[f"tone {f:.0f} Hz phase {phase}"] = np.stack(
                [_tone(f, 0.9, phase, n), _tone(f, 0.5, phase + 0.7, n)]
            )
    return sigs


SIGNAL_NAMES = list(_signals(np.random.default_rng(0)))


@pytest.mark.parametrize("name", SIGNAL_NAMES)
def test_fast_path_equals_exhaustive(name, rng):
    x = _signals(rng)[name]
    fast = _true_peak_db(x)
    full = _true_peak_db(x, exhaustive=True)
    assert np.all(np.abs(fast - full) <= 0.01), f"{name}: fast {fast} dBTP vs exhaustive {full} dBTP"
    # and neither is below the sample peak
    sample_peak = 20.0 * np.log10(np.max(np.abs(x), axis=1))
    assert np.all(full >= sample_peak - 1e-9)


def test_clipped_noise_has_intersample_overs(rng):
    # a meaningful check of the comparison above: clipped noise really peaks between samples
    x = np.clip(1.5 * rng.standard_normal((2, RATE)), -1.0, 1.0)
    assert np.all(_true_peak_db(x, exhaustive=True) > 1.0)


@pytest.mark.parametrize("block", [1, 7, 11, 12, 13, 4097])
@pytest.mark.parametrize("exhaustive", [False, True], ids=["fast", "exhaustive"])
def test_block_size_does_not_change_the_result(block, exhaustive, rng):
    n = 6000 if block < 10 else RATE
    x = np.clip(1.3 * rng.standard_normal((2, n)), -1.0, 1.0) * np.linspace(0.2, 1.0, n)
    whole = _true_peak_db(x, exhaustive=exhaustive)
    parts = _true_peak_db(x, exhaustive=exhaustive, block=block)
    np.testing.assert_allclose(parts, whole, rtol=0, atol=1e-9)


def test_later_block_with_a_higher_true_peak_but_lower_samples():
    # block 1: one sample at 0.8 (true peak 0.8); block 2: a tone at fs/4, phase 45°, of
    # amplitude 0.95, whose samples are only ±0.67: the running peak from block 1 must not
    # keep the fast path from finding the 0.95 between the samples of block 2
    n = 4096
    first = np.zeros((1, n))
    first[0, n // 2] = 0.8
    t = np.arange(n)
    fade_in = np.minimum(1.0, t / 400.0)  # no click at the block edge
    second = (0.95 * fade_in * np.sin(2 * np.pi * 0.25 * t + math.pi / 4))[None, :]
    x = np.concatenate([first, second], axis=1)
    assert np.max(np.abs(second)) < 0.8
    fast = _true_peak_db(x, block=n)[0]
    full = _true_peak_db(x, exhaustive=True, block=n)[0]
    assert fast == pytest.approx(full, abs=0.01)
    expected = 20 * math.log10(0.95)
    assert expected - 0.4 <= fast <= expected + 0.2, f"{fast:.3f} dBTP, expected {expected:.2f}"


@pytest.mark.parametrize("value", [0.5, -0.8])
@pytest.mark.parametrize("exhaustive", [False, True], ids=["fast", "exhaustive"])
def test_one_sample_input(value, exhaustive):
    meter = TruePeakMeter(1, exhaustive=exhaustive)
    meter.process(np.array([[value]]))
    got = float(meter.finish()[0])
    # a lone sample's interpolation peaks at the sample itself (the Annex filter's largest
    # tap is 0.972 < 1), so the true peak is the sample's magnitude
    assert got == pytest.approx(abs(value), abs=1e-12)


def test_one_sample_file_through_analyze():
    a = analyze(np.array([[0.5], [-0.25]], dtype=np.float32), RATE)
    assert a.levels.sample_peak_dbfs == pytest.approx(-6.02, abs=0.01)
    assert a.levels.true_peak_dbtp == pytest.approx(-6.02, abs=0.01)
    assert a.levels.true_peak_per_channel_dbtp == pytest.approx((-6.02, -12.04), abs=0.01)


def test_silence_reads_no_true_peak():
    meter = TruePeakMeter(2)
    meter.process(np.zeros((2, 1000)))
    assert np.all(meter.finish() == 0.0)
