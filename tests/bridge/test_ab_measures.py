"""Gain reduction over time and A/B analyses, against the compressor's and limiter's static
curves worked out by hand (not against the renderer's own numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from analyzers.moves import Move
from bridge.ab_measures import gain_reduction, measure_ab
from bridge.audition import audition
from signals import sine

RATE = 48000.0


def _steps() -> np.ndarray:
    """1 kHz sine: 3 s at −30 dBFS peak, 3 s at −6 dBFS peak, 3 s at −30 dBFS again."""
    quiet, loud = sine(1000, -30, 3.0, RATE), sine(1000, -6, 3.0, RATE)
    return np.concatenate([quiet, loud, quiet], axis=1)


def _at(gr, start_s: float, end_s: float) -> float:
    m = (gr.times_s >= start_s) & (gr.times_s < end_s)
    return float(np.nanmedian(gr.reduction_db[m]))


def test_compressor_reduction_follows_its_static_curve_and_makeup_is_not_reduction():
    x = _steps()
    comp = Move("compressor", {"threshold_db": -20.0, "ratio": 4.0, "attack_ms": 2.0, "release_ms": 50.0,
                               "makeup_db": 3.0})  # fmt: skip
    r = audition(x, RATE, [comp])
    m = measure_ab(r, [("comp", comp)])
    (gr,) = m.gain_reduction
    assert (gr.suggestion_id, gr.kind) == ("comp", "compressor")
    # 14 dB over the threshold at ratio 4: (1 − 1/4) · 14 = 10.5 dB down (peak detector on a sine)
    assert _at(gr, 3.5, 5.5) == pytest.approx(10.5, abs=1.0)
    assert abs(_at(gr, 0.5, 2.5)) < 0.2 and abs(_at(gr, 7.0, 8.5)) < 0.2  # under the threshold: none
    assert gr.max_db == pytest.approx(10.5, abs=1.5) and 2.0 < gr.mean_db < gr.max_db
    assert gr.times_s[1] - gr.times_s[0] == pytest.approx(0.05)


def test_limiter_reduction_is_drive_over_the_ceiling():
    x = sine(1000, -3, 4.0, RATE)
    lim = Move("limiter", {"ceiling_dbtp": -1.0, "gain_db": 6.0, "release_ms": 50.0})
    m = measure_ab(audition(x, RATE, [lim]), [("lim", lim)])
    (gr,) = m.gain_reduction
    # −3 dBFS driven 6 dB is +3 dBFS; held under −1 dBTP (less the limiter's 0.3 dB margin): ~4.3 dB down
    assert _at(gr, 1.0, 3.5) == pytest.approx(4.3, abs=0.4)


def test_eq_moves_have_no_gain_reduction_and_b_is_measured_as_rendered():
    x = _steps()
    peak = Move("peak", {"freq_hz": 1000.0, "gain_db": 6.0, "q": 1.0})
    r = audition(x, RATE, [peak])
    m = measure_ab(r, [("eq", peak)])
    assert m.gain_reduction == ()
    # B as the chain made it: +6 dB at 1 kHz, although the A/B plays it 6 dB down
    assert m.b.loudness.integrated_lufs - m.a.loudness.integrated_lufs == pytest.approx(6.0, abs=0.1)
    assert r.gain_b_db == pytest.approx(-6.0, abs=0.1)


def test_silent_input_windows_carry_no_reduction():
    x = np.zeros((2, int(RATE)), dtype=np.float32)
    t, red = gain_reduction(x, x, RATE)
    assert t.size == 20 and np.isnan(red).all()


def test_deesser_reduction_is_on_the_bursts_only():
    """Loud 6 kHz bursts (0.2 s every 0.5 s) over a quiet 200 Hz bed: the de-esser turns the
    bursts down and leaves the bed alone."""
    t = np.arange(int(4 * RATE)) / RATE
    burst = ((t % 0.5) < 0.2).astype(np.float32)
    x = (0.02 * np.sin(2 * np.pi * 200 * t) + 0.5 * burst * np.sin(2 * np.pi * 6000 * t)).astype(np.float32)
    x = np.tile(x, (2, 1))
    ds = Move("deesser", {"freq_hz": 6000.0, "threshold_db": -30.0, "range_db": 12.0, "q": 2.15, "ratio": 4.0,
                          "attack_ms": 1.0, "release_ms": 50.0})  # fmt: skip
    (gr,) = measure_ab(audition(x, RATE, [ds]), [("ds", ds)]).gain_reduction
    on = ((gr.times_s % 0.5) > 0.05) & ((gr.times_s % 0.5) < 0.15)
    off = ((gr.times_s % 0.5) > 0.35) & ((gr.times_s % 0.5) < 0.45)
    assert np.nanmedian(gr.reduction_db[on]) > 3.0
    assert abs(np.nanmedian(gr.reduction_db[off])) < 0.5
    assert gr.max_db > 3.0 and gr.kind == "deesser"
