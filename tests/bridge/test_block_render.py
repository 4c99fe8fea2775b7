"""Block rendering (issue 11, item 4): ``apply`` renders block by block when every accepted
move can, so its memory does not grow with the file; the samples are those of the whole-array
render (``bridge.render.render_in_order``), to float32 rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzers.moves import Move
from bridge.audio_io import BLOCK_FRAMES
from bridge.render import BlockRenderer, RenderError, render_in_order

RATE = 48000

CHAIN = [
    Move("highpass", {"freq_hz": 40.0, "slope_db_oct": 24.0}),
    Move("lowpass", {"freq_hz": 18000.0, "slope_db_oct": 6.0}),
    Move("delay", {"delay_samples": 37, "channel": 1}),
    Move("peak", {"freq_hz": 3000.0, "gain_db": -4.0, "q": 2.0}),
    Move("high_shelf", {"freq_hz": 8000.0, "gain_db": 2.0, "q": 0.7}),
    Move("compressor", {"threshold_db": -24.0, "ratio": 3.0, "attack_ms": 5.0, "release_ms": 80.0, "makeup_db": 2.0}),
    Move("width", {"side_gain_db": 2.0, "mono_below_hz": 120.0}),
    Move("gain", {"gain_db": -1.5}),
]


@pytest.mark.parametrize("block", [BLOCK_FRAMES, 10_000])
def test_blocks_equal_the_whole_render(block):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((2, RATE * 6)) * 0.2).astype(np.float32)
    x[:, RATE * 2 : RATE * 3] *= 4  # a loud part, for the compressor
    moves = CHAIN
    whole = render_in_order(x, RATE, moves)
    r = BlockRenderer(moves, RATE, 2)
    streamed = np.concatenate([r.process(x[:, i : i + block]) for i in range(0, x.shape[1], block)], axis=1)
    assert streamed.shape == whole.shape
    assert np.max(np.abs(streamed - whole)) < 1e-5
    assert np.max(np.abs(whole - x)) > 0.1  # the chain did something


LIMITER = Move("limiter", {"ceiling_dbtp": -1.0, "gain_db": 9.0, "release_ms": 100.0})


@pytest.mark.parametrize("where", ["last", "middle"])
def test_a_limiter_lags_and_its_blocks_equal_the_whole_render(where):
    """The limiter looks ahead: its blocks come out late and ``finish`` gives the rest; the
    samples are the whole render's (:func:`bridge.render.limit`, whose trim this signal does
    not need: its result reads under the ceiling)."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((2, RATE * 8)) * 0.2).astype(np.float32)
    x[:, RATE * 2 : RATE * 3] *= 4
    moves = CHAIN + [LIMITER] if where == "last" else CHAIN[:4] + [LIMITER] + CHAIN[4:]
    whole = render_in_order(x, RATE, moves)
    r = BlockRenderer(moves, RATE, 2)
    parts = [r.process(x[:, i : i + 10_000]) for i in range(0, x.shape[1], 10_000)]
    assert any(p.shape[1] == 0 for p in parts) or parts[0].shape[1] < 10_000  # it lags
    streamed = np.concatenate(parts + [r.finish()], axis=1)
    assert streamed.shape == whole.shape
    assert np.max(np.abs(streamed - whole)) < 1e-5
    limited = np.abs(render_in_order(x, RATE, [m for m in moves if m.kind != "limiter"]) - whole).max()
    assert limited > 0.1  # the limiter did something


def test_whole_signal_moves_are_refused():
    with pytest.raises(RenderError, match="needs the whole audio"):
        BlockRenderer([Move("expander", {"threshold_db": -40.0, "ratio": 1.5, "attack_ms": 5.0, "release_ms": 100.0})],
                      RATE, 2)  # fmt: skip
