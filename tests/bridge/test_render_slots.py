"""render_slots on built-in slots: runs of pedalboard moves rendered as one Pedalboard give
the samples of one render_move per slot, in slot order, with a report per slot; and renders
of several tracks in threads give the samples of serial renders.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from analyzers.moves import Move
from bridge.slots import render_slots
from bridge.render import render_chain, render_move
from signals import pink_noise

RATE = 48000


def one_by_one(x: np.ndarray, slots: list[Move]) -> np.ndarray:
    y = x
    for m in slots:
        y = render_move(y, RATE, m)
    return y


def mastering_slots(slope_db_oct: float) -> list[Move]:
    """High-pass, bell, shelf, compressor, limiter: the limiter works (pink noise at −20 dBFS
    RMS driven 12 dB into a −1 dBTP ceiling) and so does the compressor (threshold −30 dBFS)."""
    return [
        Move("highpass", {"freq_hz": 40, "slope_db_oct": slope_db_oct}),
        Move("peak", {"freq_hz": 1200, "gain_db": 3.0, "q": 1.4}),
        Move("high_shelf", {"freq_hz": 8000, "gain_db": -2.0}),
        Move("compressor", {"threshold_db": -30, "ratio": 3.0, "attack_ms": 10, "release_ms": 150, "makeup_db": 2.0}),
        Move("limiter", {"ceiling_dbtp": -1.0, "gain_db": 12.0}),
    ]


def assert_same_to_float32_rounding(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == np.float32 and got.shape == want.shape
    # float32 rounding of a few filters and a gain computer: a few ulp of the loudest sample
    tol = 8 * np.finfo(np.float32).eps * float(np.abs(want).max())
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)


@pytest.mark.parametrize("slope_db_oct", [6.0, 24.0], ids=["highpass-in-pedalboard", "butterworth-highpass"])
def test_grouped_builtin_slots_render_as_one_move_at_a_time(rng, slope_db_oct):
    x = pink_noise(rng, 4.0, RATE, level_dbfs=-20.0)
    slots = mastering_slots(slope_db_oct)
    want = one_by_one(x, slots)
    got = render_slots(x, RATE, slots)
    assert_same_to_float32_rounding(got.audio, want)
    assert float(np.abs(want - x[:, : want.shape[1]]).max()) > 0.1  # the chain did something
    assert [r["index"] for r in got.reports] == list(range(len(slots)))
    assert [r["name"] for r in got.reports] == ["highpass", "peak", "high_shelf", "compressor", "limiter"]
    for r in got.reports:
        assert r == {"index": r["index"], "name": r["name"], "kind": "builtin", "status": "ok", "mode": "builtin",
                     "latency_samples": 0, "tail_samples": 0}  # fmt: skip
    assert (got.latency_samples, got.tail_samples, got.snapshot) == (0, 0, None)


def test_slots_keep_their_order_which_is_not_chain_order(rng):
    """A chain file's order is the user's: a compressor before the EQ stays before it."""
    x = pink_noise(rng, 2.0, RATE, level_dbfs=-14.0)
    slots = [
        Move("compressor", {"threshold_db": -30, "ratio": 4.0, "attack_ms": 5, "release_ms": 100}),
        Move("peak", {"freq_hz": 200, "gain_db": 9.0, "q": 0.7}),
        Move("gain", {"gain_db": -3.0}),
        Move("low_shelf", {"freq_hz": 120, "gain_db": 4.0}),
        Move("highpass", {"freq_hz": 30, "slope_db_oct": 6}),
    ]
    got = render_slots(x, RATE, slots).audio
    assert_same_to_float32_rounding(got, one_by_one(x, slots))
    reordered = render_chain(x, RATE, slots)  # chain order: the EQ before the compressor
    assert float(np.abs(got - reordered).max()) > 1e-3


def test_no_slots_give_the_input_back(rng):
    x = pink_noise(rng, 0.5, RATE)
    got = render_slots(x, RATE, [])
    np.testing.assert_array_equal(got.audio, x)
    assert got.reports == ()


def test_tracks_rendered_in_threads_equal_serial_renders(rng):
    """pedalboard releases the GIL while it renders; several tracks in threads at once must
    give each track the same samples as rendering them one after another."""
    tracks = [pink_noise(rng, 3.0, RATE, level_dbfs=level) for level in (-24.0, -18.0, -12.0, -20.0)]
    moves = mastering_slots(24.0)
    serial = [render_chain(t, RATE, moves) for t in tracks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda t: render_chain(t, RATE, moves), tracks))
    for s, t in zip(serial, threaded):
        np.testing.assert_array_equal(t, s)
