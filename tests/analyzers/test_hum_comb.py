"""A part repeated sample-exactly at a tempo is a comb of lines, not mains hum.

A drum hit repeated every quarter second (4 Hz: eighth notes at 120 BPM) has a line at every
multiple of 4 Hz, so at every harmonic of 60 Hz, steady and far over the floor between the
lines; each has siblings of its own height 4 Hz away, which a mains line does not
(:data:`analyzers.hum.ALONE_DB`). The same loop with real 60 Hz hum under it is still hum.
"""

from __future__ import annotations

import numpy as np
from signals import mains_hum

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest

RATE = 48000
SECONDS = 20.0


def _loop(rate_hz: float = 4.0) -> np.ndarray:
    """A decaying noise burst (a closed hi-hat), the same samples every 1/``rate_hz`` s."""
    rng = np.random.default_rng(9)
    period = int(RATE / rate_hz)
    hit = np.zeros(period)
    n = int(0.06 * RATE)
    hit[:n] = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.012 * RATE))
    x = np.tile(hit, int(SECONDS * rate_hz))
    return 0.3 * x / np.abs(x).max()


def _moves(x: np.ndarray):
    advice = suggest(analyze(x[None, :].astype(np.float32), RATE), make_context(role_name="drums"))
    return [s for s in advice.suggestions if s.move.kind in ("dehum", "notch")]


def test_a_sample_exact_loop_at_4_hz_is_not_hum():
    x = _loop()
    a = analyze(x[None, :].astype(np.float32), RATE)
    assert a.hum is not None and not a.hum.found, a.hum
    assert not _moves(x)


def test_the_same_loop_over_60_hz_hum_is_still_hum():
    x = _loop()
    level = 10 * np.log10(np.mean(x**2))
    hum = mains_hum(60.0, {1: level - 20, 2: level - 25, 3: level - 28}, x.size, RATE)
    moves = _moves(x + hum)
    assert moves and moves[0].move.kind == "dehum", moves
    assert abs(moves[0].move.params["freq_hz"] - 60.0) < 0.2
    assert "60 Hz mains" in moves[0].why
