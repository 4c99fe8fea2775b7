"""What the renderers really do, measured: EQ curves against their predictions, the
compressor's static curve, the numpy stages (width, delay, polarity, expander) and the
look-ahead true-peak limiter.

EQ: an impulse goes through :func:`bridge.render.render_move` (pedalboard's filters); the
FFT of the 65536-sample response is the measured magnitude, compared with
:func:`analyzers.eq_response.move_response_db` from 20 Hz to 20 kHz wherever the curve is
above −60 dB (below that the float32 response is rounding noise).
"""

from __future__ import annotations

import math

import numpy as np
import pedalboard as pb
import pytest

from analyzers import analyze
from analyzers.eq_response import move_response_db
from analyzers.moves import Move
from bridge.limiter import limit_true_peak
from bridge.render import render_move
from signals import drum_loop, pink_noise, sine

RATE = 48000
N_IR = 1 << 16
FREQS = np.fft.rfftfreq(N_IR, 1 / RATE)
AUDIBLE = (FREQS >= 20.0) & (FREQS <= 20000.0)
TOL_DB = 0.1


def impulse_response(move: Move, rate: int = RATE) -> np.ndarray:
    imp = np.zeros((1, N_IR), np.float32)
    imp[0, 0] = 1.0
    return render_move(imp, rate, move)[0].astype(np.float64)


def measured_response_db(move: Move, rate: int = RATE) -> np.ndarray:
    return 20 * np.log10(np.maximum(np.abs(np.fft.rfft(impulse_response(move, rate))), 1e-12))


def gain_at_db(ir: np.ndarray, freq_hz: float) -> float:
    """The measured gain at exactly ``freq_hz`` (the DTFT of the impulse response there)."""
    n = np.arange(ir.size)
    return float(20 * np.log10(abs(np.sum(ir * np.exp(-2j * np.pi * freq_hz / RATE * n)))))


def compare(move: Move) -> tuple[float, float, np.ndarray, np.ndarray]:
    meas = measured_response_db(move)
    pred = move_response_db(move, FREQS, RATE)
    sel = AUDIBLE & (pred > -60.0)
    err = np.abs(meas - pred)
    k = int(np.argmax(np.where(sel, err, -1.0)))
    return float(err[k]), float(FREQS[k]), meas, pred


BELLS_AND_SHELVES = [
    ("peak", 30, 6, 1.0), ("peak", 100, -6, 2.0), ("peak", 300, 6, 1.0), ("peak", 1000, -12, 0.7),
    ("peak", 3000, 3, 4.0), ("peak", 10000, 6, 1.0), ("peak", 16000, -9, 0.5), ("peak", 50, 12, 8.0),
    ("low_shelf", 40, 6, 0.707), ("low_shelf", 100, -6, 0.707), ("low_shelf", 300, 6, 1.5), ("low_shelf", 1000, -12, 0.5),
    ("high_shelf", 1000, 6, 0.707), ("high_shelf", 3500, -6, 0.707), ("high_shelf", 8000, 6, 1.5),
    ("high_shelf", 15000, -12, 0.5),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "freq_hz", "gain_db", "q"), BELLS_AND_SHELVES)
def test_bells_and_shelves_render_as_predicted(kind, freq_hz, gain_db, q):
    move = Move(kind, {"freq_hz": freq_hz, "gain_db": gain_db, "q": q})
    err, at, _, _ = compare(move)
    assert err <= TOL_DB, f"{move.describe()}: measured and predicted differ by {err:.3f} dB at {at:.0f} Hz"
    # and the filter does what it says at its frequency (bells: full gain at the centre)
    if kind == "peak":
        assert gain_at_db(impulse_response(move), freq_hz) == pytest.approx(gain_db, abs=0.05)


PASSES = [(kind, f, s) for kind, fs in (("highpass", (20, 40, 80, 200, 1000)), ("lowpass", (500, 5000, 16000)))
          for f in fs for s in (6, 12, 18, 24)]  # fmt: skip


@pytest.mark.parametrize(("kind", "freq_hz", "slope"), PASSES)
def test_pass_filters_render_as_predicted(kind, freq_hz, slope):
    move = Move(kind, {"freq_hz": freq_hz, "slope_db_oct": slope})
    err, at, _, _ = compare(move)
    assert err <= TOL_DB, f"{move.describe()}: measured and predicted differ by {err:.3f} dB at {at:.0f} Hz"


@pytest.mark.parametrize(("kind", "freq_hz", "slope"), PASSES)
def test_pass_filters_are_3db_down_at_freq_hz(kind, freq_hz, slope):
    """``freq_hz`` is the −3 dB point (analyzers.moves.KINDS), at every slope."""
    at = gain_at_db(impulse_response(Move(kind, {"freq_hz": freq_hz, "slope_db_oct": slope})), freq_hz)
    assert at == pytest.approx(-3.0, abs=0.3), f"{kind} {freq_hz} Hz {slope} dB/oct reads {at:.2f} dB at {freq_hz} Hz"


# --------------------------------------------------------------------------- compressor


def test_compressor_follows_its_static_curve():
    """1 kHz sine, −40…0 dBFS (peak), through threshold −20 dB, 4:1: the steady-state peak."""
    move = Move("compressor", {"threshold_db": -20.0, "ratio": 4.0})
    rows = []
    for level in range(-40, 1, 4):
        y = render_move(sine(1000.0, level, 1.5, RATE), RATE, move)
        out = 20 * math.log10(float(np.abs(y[:, RATE:]).max()))  # the last 0.5 s
        static = level if level <= -20 else -20 + (level + 20) / 4
        rows.append((level, out, static))
    for level, out, static in rows:
        if level <= -24 or level >= -16:  # leave out the knee
            assert out == pytest.approx(static, abs=1.0), f"{level} dBFS in → {out:.2f} out, static curve {static:.2f}: {rows}"
    # above the threshold 4 dB in make 1 dB out
    above = [r for r in rows if r[0] >= -16]
    slope = np.polyfit([r[0] for r in above], [r[1] for r in above], 1)[0]
    assert slope == pytest.approx(0.25, abs=0.02)


def test_compressor_makeup_is_added():
    x = sine(1000.0, -10.0, 1.0, RATE)
    a = render_move(x, RATE, Move("compressor", {"threshold_db": -20.0, "ratio": 4.0}))
    b = render_move(x, RATE, Move("compressor", {"threshold_db": -20.0, "ratio": 4.0, "makeup_db": 6.0}))
    ratio_db = 20 * math.log10(np.abs(b[:, RATE // 2 :]).max() / np.abs(a[:, RATE // 2 :]).max())
    assert ratio_db == pytest.approx(6.0, abs=0.01)


# --------------------------------------------------------------------------- numpy stages


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return (0.1 * np.random.default_rng(440).standard_normal((2, 5 * RATE))).astype(np.float32)


def test_width_with_no_side_makes_left_equal_right(noise):
    y = render_move(noise, RATE, Move("width", {"side_gain_db": -60.0}))
    side = 0.5 * (y[0] - y[1])
    mid = 0.5 * (y[0] + y[1])
    assert 10 * math.log10(np.mean(side**2) / np.mean(mid**2)) < -55.0
    np.testing.assert_allclose(mid, 0.5 * (noise[0] + noise[1]), atol=1e-6)


def _side_response_db(move: Move) -> tuple[np.ndarray, np.ndarray]:
    """Side-to-side and mid-to-side responses of a width move (impulse in the side only)."""
    x = np.zeros((2, N_IR), np.float32)
    x[0, 0], x[1, 0] = 1.0, -1.0
    y = render_move(x, RATE, move).astype(np.float64)
    side, mid = 0.5 * (y[0] - y[1]), 0.5 * (y[0] + y[1])
    db = lambda v: 20 * np.log10(np.maximum(np.abs(np.fft.rfft(v)), 1e-12))  # noqa: E731
    return db(side), db(mid)


def test_mono_below_leaves_the_top_width_alone(noise):
    side, mid_leak = _side_response_db(Move("width", {"mono_below_hz": 150.0}))
    top = FREQS >= 1000.0
    assert np.abs(side[top]).max() < 0.1
    assert mid_leak.max() < -100.0, "the side leaks into the mid"
    # measured on noise too: the side share above 1 kHz is unchanged
    hp = pb.Pedalboard([pb.HighpassFilter(cutoff_frequency_hz=1500.0) for _ in range(4)])
    top_noise = np.asarray(hp(noise, RATE), dtype=np.float32)
    before = analyze(top_noise, RATE).stereo.width
    after = analyze(render_move(top_noise, RATE, Move("width", {"mono_below_hz": 150.0})), RATE).stereo.width
    assert after == pytest.approx(before, abs=0.01)


def test_mono_below_150hz_removes_the_side_below_60hz():
    side, _ = _side_response_db(Move("width", {"mono_below_hz": 150.0}))
    low = (FREQS >= 20.0) & (FREQS <= 60.0)
    worst = int(np.argmax(np.where(low, side, -np.inf)))
    assert side[worst] < -20.0, f"the side is only {-side[worst]:.1f} dB down at {FREQS[worst]:.0f} Hz"


@pytest.mark.parametrize(("samples", "channel"), [(1, -1), (37, 0), (480, 1), (4800, -1)])
def test_delay_shifts_by_exactly_n_samples(noise, samples, channel):
    y = render_move(noise, RATE, Move("delay", {"delay_samples": samples, "channel": channel}))
    assert y.shape == noise.shape
    for c in range(2):
        if channel in (-1, c):
            assert np.array_equal(y[c, samples:], noise[c, :-samples])
            assert not y[c, :samples].any()
        else:
            assert np.array_equal(y[c], noise[c])


def test_polarity_on_channel_1_negates_only_the_right(noise):
    y = render_move(noise, RATE, Move("polarity", {"channel": 1}))
    assert np.array_equal(y[0], noise[0])
    assert np.array_equal(y[1], -noise[1])
    both = render_move(noise, RATE, Move("polarity", {}))
    assert np.array_equal(both, -noise)


@pytest.mark.parametrize("material", ["drums", "demo"])
def test_expander_raises_the_crest_factor_of_a_compressed_loop(material):
    from bridge.demo import demo_mix

    x = drum_loop(np.random.default_rng(440), 8.0, RATE) if material == "drums" else demo_mix()[:, : 8 * RATE]
    y = np.asarray(pb.Compressor(threshold_db=-30.0, ratio=10.0, attack_ms=0.1, release_ms=50.0)(x, RATE), np.float32)
    y = (y / np.abs(y).max() * 10 ** (-1 / 20)).astype(np.float32)
    before = analyze(y, RATE).levels
    assert before.crest_db < 12.0
    move = Move("expander", {"threshold_db": round(before.rms_dbfs + 2.0, 1), "ratio": 1.5})
    after = analyze(render_move(y, RATE, move), RATE).levels
    assert after.crest_db >= before.crest_db + 2.0, (
        f"{move.describe()}: crest {before.crest_db:.2f} → {after.crest_db:.2f} dB"
    )


# --------------------------------------------------------------------------- limiter


def _driven(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "white":
        x = 10 ** (-12 / 20) * rng.standard_normal((2, 5 * RATE))
    elif kind == "pink":
        x = pink_noise(rng, 5.0, RATE, level_dbfs=-14.0)
    else:  # a sine near fs/4 whose peaks fall between samples
        x = sine(11025.7, -6.0, 5.0, RATE, phase_rad=0.3)
    return (x * 10 ** (12 / 20)).astype(np.float32)  # driven +12 dB


@pytest.mark.parametrize("ceiling", [-1.0, -2.0, -0.3])
@pytest.mark.parametrize("kind", ["white", "pink", "sine"])
def test_limiter_holds_the_true_peak_under_the_ceiling(kind, ceiling, rng):
    x = _driven(kind, rng)
    assert analyze(x, RATE).levels.true_peak_dbtp > ceiling + 6.0
    y = limit_true_peak(x, RATE, ceiling_dbtp=ceiling)
    tp = analyze(y, RATE).levels.true_peak_dbtp
    assert tp <= ceiling + 1e-3, f"true peak {tp:+.3f} dBTP over the {ceiling:g} dBTP ceiling"
    assert tp >= ceiling - 0.5, f"true peak {tp:+.3f} dBTP: it limits far more than it needs"


@pytest.mark.parametrize("kind", ["pink", "sine", "demo"])
def test_limiter_leaves_material_under_the_ceiling_alone(kind, rng):
    from bridge.demo import demo_mix

    if kind == "pink":
        x = pink_noise(rng, 5.0, RATE, level_dbfs=-20.0)
    elif kind == "sine":
        x = sine(997.0, -3.0, 2.0, RATE)
    else:
        x = demo_mix()[:, : 8 * RATE]  # peaks −1.5 dBFS, true peak about −1.4 dBTP
    tp = analyze(x, RATE).levels.true_peak_dbtp
    assert tp < -1.0
    y = limit_true_peak(x, RATE, ceiling_dbtp=-1.0)
    assert np.abs(y - x).max() < 1e-6
