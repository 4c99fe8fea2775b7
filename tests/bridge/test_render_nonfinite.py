"""NaN and Inf samples in an input are rendered as silence, as analyze measures them.

A float WAV with 11 NaN/Inf samples at 2.08 s went through apply with exit 0, and everything
after 2.08 s in the written file was digital zero: one NaN fed to a filter, a compressor or
a plugin turns all that follows into NaN. Every entry that feeds audio to pedalboard, the
numpy stages or a plugin host now zeroes those samples first (``bridge.render.finite``):
the render of the damaged input is the render of the input with zeros in their place,
sample for sample, and one line says so.
"""

from __future__ import annotations

import numpy as np
import pytest
from signals import pink_noise, write_float_wav

from analyzers import analyze
from analyzers.context import make_context
from analyzers.moves import Move
from analyzers.suggest import Suggestion
from bridge.apply import apply_suggestions, run_apply
from bridge.audio_io import read_audio
from bridge.audition import audition
from bridge.render import BlockRenderer, render_chain, render_move, render_region
from bridge.slots import render_slots

RATE = 48000
#: 11 bad samples from 1.0 s on, NaN and both infinities, on both channels.
BAD = [(0, RATE + k * 7) for k in range(6)] + [(1, int(1.5 * RATE) + k) for k in range(5)]
MOVES = [Move("highpass", {"freq_hz": 80.0, "slope_db_oct": 24.0}),
         Move("peak", {"freq_hz": 1000.0, "gain_db": 4.0, "q": 1.0}),
         Move("compressor", {"threshold_db": -30.0, "ratio": 3.0, "attack_ms": 10.0, "release_ms": 100.0,
                             "makeup_db": 0.0})]  # fmt: skip


@pytest.fixture(scope="module")
def damaged() -> tuple[np.ndarray, np.ndarray]:
    """3 s of stereo pink noise at −20 dBFS with the :data:`BAD` samples, and the same with
    zeros in their place."""
    clean = pink_noise(np.random.default_rng(4), 3.0, RATE)
    x = clean.copy()
    for i, (ch, n) in enumerate(BAD):
        x[ch, n] = (np.nan, np.inf, -np.inf)[i % 3]
        clean[ch, n] = 0.0
    return x, clean


def _whole(y: np.ndarray) -> None:
    """Finite, and the last second (well after the bad samples) still carries the noise."""
    assert np.isfinite(y).all()
    assert 20 * np.log10(np.sqrt(np.mean(y[:, -RATE:] ** 2))) > -40.0


def test_every_render_entry_takes_the_bad_samples_as_zeros(damaged):
    x, clean = damaged
    gate = Move("gate", {"threshold_db": -50.0, "ratio": 4.0, "range_db": 20.0, "attack_ms": 1.0, "hold_ms": 20.0,
                         "release_ms": 100.0, "hysteresis_db": 4.0})  # fmt: skip
    for render in (lambda a: render_chain(a, RATE, MOVES),
                   lambda a: render_chain(a, RATE, [*MOVES, gate]),
                   lambda a: render_move(a, RATE, MOVES[1]),
                   lambda a: render_region(a, RATE, MOVES, (0.5, 2.5)),
                   lambda a: render_slots(a, RATE, MOVES).audio):  # fmt: skip
        y = render(x)
        _whole(y)
        assert np.array_equal(y, render(clean))


def test_the_block_renderer_takes_them_as_zeros(damaged):
    x, clean = damaged

    def blocks(a: np.ndarray) -> np.ndarray:
        r = BlockRenderer([*MOVES, Move("limiter", {"ceiling_dbtp": -1.0, "gain_db": 6.0, "release_ms": 100.0})],
                          RATE, 2)  # fmt: skip
        return np.concatenate([*(r.process(a[:, i : i + 4096]) for i in range(0, a.shape[1], 4096)), r.finish()], axis=1)

    y = blocks(x)
    _whole(y)
    assert np.array_equal(y, blocks(clean))


def test_the_audition_plays_both_sides_whole_and_says_so(damaged):
    x, clean = damaged
    ab = audition(x, RATE, MOVES)
    _whole(ab.a)
    _whole(ab.b)
    assert ab.a_lufs is not None and ab.a_lufs == pytest.approx(audition(clean, RATE, MOVES).a_lufs, abs=1e-9)
    assert "11 NaN/Inf samples of the input were rendered as silence" in ab.warnings[0]


@pytest.mark.parametrize("streamed", [True, False])
def test_apply_writes_the_whole_file_and_says_so(damaged, tmp_path, streamed):
    """The file as apply reads it: streamed (no move: the input copied through the block
    renderer) and in memory (a gate, a whole-audio move): the written file is the clean
    input's render, to two 24-bit steps, and a warning says how many samples were silenced."""
    x, clean = damaged
    src = tmp_path / "damaged.wav"
    write_float_wav(src, x, RATE)
    gate = Suggestion(id="gate", move=Move("gate", {"threshold_db": -60.0, "ratio": 4.0, "range_db": 20.0,
                                                    "attack_ms": 1.0, "hold_ms": 20.0, "release_ms": 100.0,
                                                    "hysteresis_db": 4.0}),
                      why="test", confidence=0.5, severity="low", aspect="noise")  # fmt: skip
    extra = [] if streamed else [gate]
    _, report = run_apply(src, tmp_path / "out.wav", make_context(role_name="mix"),
                          accept="none" if streamed else "gate", extra=extra)  # fmt: skip
    written, _ = read_audio(tmp_path / "out.wav")
    _whole(written)
    expected = clean if streamed else apply_suggestions(clean, RATE, analyze(clean, RATE), [gate])[0]
    assert float(np.abs(written - expected).max()) <= 2.0**-22  # two 24-bit steps
    assert sum("11 NaN/Inf samples of the input were rendered as silence" in w for w in report.warnings) == 1
