"""The fast paths of bridge/limiter.py against plain definitions.

The limiter skips blocks by a bound, interpolates in float32 and unrolls its release
recursion; each shortcut is checked here against what it replaces: the release loop, the
meter (:class:`analyzers.truepeak.TruePeakMeter`), a dense float64 reference limiter (the
algorithm of the module docstring evaluated at every sample), and signals built to sit
exactly at the skip bound. ``test_render_response.py`` checks the limiter's results with
the meter and ``tests/ui/test_cli_suggest_apply.py`` with ffmpeg.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d

from analyzers.moves import Move
from analyzers.truepeak import ANNEX2_PHASES, TAP_L1, TruePeakMeter
from bridge.limiter import limit_true_peak, release, true_peak_envelope, true_peak_lin
from bridge.render import render_chain, render_move
from signals import pink_noise, sine

RATE = 48000


def _meter(x: np.ndarray) -> float:
    m = TruePeakMeter(x.shape[0])
    m.process(np.asarray(x, dtype=np.float64))
    return float(m.finish().max())


def _exact_envelope(x: np.ndarray) -> np.ndarray:
    """Float64, every sample: max over channels of |x[i]| and the four phases at i + 5."""
    taps = ANNEX2_PHASES.shape[1]
    padded = np.pad(x.astype(np.float64), ((0, 0), (taps, taps)))
    n = x.shape[1]
    env = np.abs(x).max(axis=0).astype(np.float64)
    for phase in ANNEX2_PHASES:
        # value at position j = i + 5: Σ_s phase[s]·x[j − s]
        v = sum(phase[s] * padded[:, taps + 5 - s : taps + 5 - s + n] for s in range(taps))
        env = np.maximum(env, np.abs(v).max(axis=0))
    return env


def _reference_limit(x: np.ndarray, rate: float, ceiling_dbtp: float, lookahead_ms: float = 1.5,
                     release_ms: float = 100.0) -> np.ndarray:  # fmt: skip
    """The limiter's algorithm, dense, float64, with the release as a loop."""
    ceiling = 10 ** (ceiling_dbtp / 20)
    n = x.shape[1]
    env = maximum_filter1d(_exact_envelope(x), size=13, mode="nearest")
    need = np.minimum(1.0, ceiling / np.maximum(env, 1e-12))
    la = max(1, int(round(lookahead_ms * 1e-3 * rate)))
    fwd_min = minimum_filter1d(need, size=la, origin=-(la // 2), mode="nearest")
    gain = np.minimum(uniform_filter1d(fwd_min, size=la, origin=(la - 1) // 2, mode="nearest"), need)
    g_blk = np.minimum.reduceat(gain, np.arange(0, n, 32))
    a = math.exp(-32 / (release_ms * 1e-3 * rate))
    out, g = [], 1.0
    for t in g_blk.tolist():
        g = t if t < g else g + (t - g) * (1 - a)
        out.append(g)
    final = np.minimum(np.repeat(out, 32)[:n], gain)
    return (x * final[None, :].astype(np.float32)).astype(np.float32)


def _worst_case_burst(level: float, phase: int = 1) -> np.ndarray:
    """Twelve samples of ±``level`` with the signs of an Annex 2 phase: its interpolated
    value is ``level · Σ|taps|`` (TAP_L1 · level for phases 1 and 2), the largest any
    window of that sample peak can give."""
    return (level * np.sign(ANNEX2_PHASES[phase][::-1])).astype(np.float32)


# --------------------------------------------------------------------------- release


@pytest.mark.parametrize("a", [1e-3, 0.5, 0.9, math.exp(-32 / 4800), math.exp(-32 / 48000)])
def test_release_equals_the_loop(a, rng):
    t = np.minimum(1.0, rng.uniform(0.2, 1.8, 20000))
    t[5000:9000] = 1.0  # a long release
    t[0] = 0.5  # a reduction at the very start
    g, ref = 1.0, []
    for v in t.tolist():
        g = v if v < g else g + (v - g) * (1 - a)
        ref.append(g)
    assert np.max(np.abs(release(t, a) - ref)) < 1e-12


def test_release_of_no_reduction_is_exactly_one():
    assert np.array_equal(release(np.ones(1000), 0.99), np.ones(1000))


# --------------------------------------------------------------------------- true peak


def _signals(rng):
    yield "white", (0.3 * rng.standard_normal((2, 100_003))).astype(np.float32)
    yield "sine near fs/4", sine(11025.7, -6.0, 1.0, RATE, phase_rad=0.3).astype(np.float32)
    yield "pink", pink_noise(rng, 3.0, RATE, level_dbfs=-14.0).astype(np.float32)
    yield "float64 mono", 0.5 * rng.standard_normal((1, 4099))
    for offset in (0, 5, 20, 31, 32, 43):  # a worst-case burst across block boundaries
        x = np.zeros((2, 2000), dtype=np.float32)
        x[1, 640 + offset : 652 + offset] = _worst_case_burst(0.4)
        x[0] = 0.1 * np.sin(np.arange(2000) * 0.01)
        yield f"burst at +{offset}", x
    for n in (1, 2, 11, 12, 13, 31, 33, 70):  # shorter than the blocks and the filter
        yield f"{n} samples", rng.uniform(-1, 1, (3, n)).astype(np.float32)
    yield "burst at the end", np.concatenate([np.zeros(100), _worst_case_burst(0.5)])[None, :].astype(np.float32)


def test_true_peak_equals_the_meter(rng):
    for name, x in _signals(rng):
        assert true_peak_lin(x) == pytest.approx(_meter(x), rel=1e-12, abs=1e-15), name


def test_true_peak_of_silence_and_empty():
    assert true_peak_lin(np.zeros((2, 1000), np.float32)) == 0.0
    assert true_peak_lin(np.zeros((2, 0), np.float32)) == 0.0


def test_float32_envelope_never_under_the_exact_one(rng):
    for name, x in _signals(rng):
        x = x.astype(np.float32)
        exact = _exact_envelope(x)
        fast = true_peak_envelope(x).astype(np.float64)
        assert np.all(fast >= exact), name
        # and above it by no more than the rounding bound, 16u·TAP_L1 of the block's loudest sample
        assert np.all(fast - exact <= 2.5e-6 * float(np.abs(x).max())), name


# --------------------------------------------------------------------------- limiter


@pytest.mark.parametrize("kind", ["white", "pink", "sine", "sparse"])
@pytest.mark.parametrize("ceiling", [-1.0, -3.0])
def test_limiter_equals_the_dense_reference(kind, ceiling, rng):
    if kind == "white":
        x = 0.5 * rng.standard_normal((2, 3 * RATE))
    elif kind == "pink":
        x = pink_noise(rng, 3.0, RATE, level_dbfs=-8.0)
    elif kind == "sine":
        x = sine(11025.7, 0.0, 2.0, RATE, phase_rad=0.3)
    else:  # quiet music with a few overs, seconds apart: most blocks skipped
        x = pink_noise(rng, 6.0, RATE, level_dbfs=-30.0)
        for k in (10_000, 100_003, 200_031):
            x[:, k : k + 12] = _worst_case_burst(0.6)
    x = x.astype(np.float32)
    ours = limit_true_peak(x, RATE, ceiling_dbtp=ceiling)
    ref = _reference_limit(x, RATE, ceiling)
    # ours aims 2⁻²⁰ lower and adds the float32 rounding bound to its estimate
    assert np.max(np.abs(ours - ref)) < 1e-5
    assert true_peak_lin(ours) <= 10 ** (ceiling / 20)


@pytest.mark.parametrize("offset", [0, 1, 6, 15, 20, 26, 31])
def test_overs_at_the_skip_bound_are_held(offset, rng):
    """Samples just over ceiling / TAP_L1 (−6.1 dB under it) whose interpolated value is
    just over the ceiling, placed across a 32-sample block boundary: held. Just under the
    bound: nothing to do, the audio comes back untouched."""
    ceiling_dbtp = -1.0
    ceiling = 10 ** (ceiling_dbtp / 20)
    base = (0.01 * rng.standard_normal((2, 4 * 1024))).astype(np.float32)
    for factor, over in ((1 + 1e-4, True), (1 - 1e-4, False)):
        x = base.copy()
        start = 2048 - 6 + offset  # the burst straddles the block starting at 2048
        x[0, start : start + 12] = _worst_case_burst(ceiling / TAP_L1 * factor)
        assert float(np.abs(x).max()) < ceiling / TAP_L1 * 1.001
        assert (_meter(x) > ceiling) == over
        y = limit_true_peak(x, RATE, ceiling_dbtp=ceiling_dbtp)
        assert true_peak_lin(y) <= ceiling
        if over:
            assert float(np.abs(y - x).max()) > 0.0
        else:
            assert np.array_equal(y, x)


def test_drive_equals_limiting_a_driven_copy(rng):
    x = pink_noise(rng, 2.0, RATE, level_dbfs=-16.0).astype(np.float32)
    driven = x * np.float32(10 ** (7.5 / 20))
    a = limit_true_peak(x, RATE, ceiling_dbtp=-1.0, gain_db=7.5)
    b = limit_true_peak(driven, RATE, ceiling_dbtp=-1.0)
    assert np.array_equal(a, b)
    assert np.array_equal(limit_true_peak(x, RATE, ceiling_dbtp=0.0, gain_db=-6.0), x * np.float32(10 ** (-6 / 20)))


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_a_lone_over_is_met_by_a_ramp_over_the_lookahead(rate):
    """A lone over: the gain starts falling no earlier than two look-aheads before it (the
    forward minimum and the mean), falls in steps of at most 32 samples of the mean's ramp
    (it is held at each control block's minimum), and the over is held."""
    n = rate // 2
    x = np.full((1, n), 0.25, dtype=np.float32)
    k = n // 2
    x[0, k] = 2.0
    y = limit_true_peak(x, rate, ceiling_dbtp=-1.0)
    gain = (y[0] / x[0]).astype(np.float64)
    la = int(round(1.5e-3 * rate))
    depth = 1.0 - gain.min()
    assert depth > 0.5
    first = int(np.flatnonzero(gain < 1.0)[0])
    assert first >= (k - 12 - 2 * (la - 1)) // 32 * 32
    assert np.abs(np.diff(gain[: k + 1])).max() <= depth * 32 / la * 1.001
    assert true_peak_lin(y) <= 10 ** (-1 / 20)


def test_short_and_empty_audio():
    assert limit_true_peak(np.zeros((2, 0), np.float32), RATE, ceiling_dbtp=-1.0).shape == (2, 0)
    x = np.array([[2.0, -2.0, 2.0]], dtype=np.float32)
    assert true_peak_lin(limit_true_peak(x, RATE, ceiling_dbtp=-1.0)) <= 10 ** (-1 / 20)


# --------------------------------------------------------------------------- render_chain


def test_render_chain_equals_one_move_at_a_time(rng):
    """Consecutive pedalboard moves run as one Pedalboard: the same samples as one call each."""
    x = pink_noise(rng, 3.0, RATE, level_dbfs=-16.0).astype(np.float32)
    moves = [
        Move("highpass", {"freq_hz": 30, "slope_db_oct": 24}),
        Move("lowpass", {"freq_hz": 18000, "slope_db_oct": 6}),
        Move("peak", {"freq_hz": 250, "gain_db": -2.0, "q": 1.0}),
        Move("low_shelf", {"freq_hz": 100, "gain_db": 1.0}),
        Move("high_shelf", {"freq_hz": 10000, "gain_db": 1.5}),
        Move("compressor", {"threshold_db": -24, "ratio": 3.0, "makeup_db": 2.0}),
        Move("width", {"side_gain_db": 1.0}),
        Move("gain", {"gain_db": 1.0}),
        Move("limiter", {"ceiling_dbtp": -1.0, "gain_db": 4.0}),
    ]
    y = x
    for m in moves:  # already in chain order
        y = render_move(y, RATE, m)
    assert np.array_equal(render_chain(x, RATE, moves), y)
