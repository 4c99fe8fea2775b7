"""``apply`` reports each EQ move's own measured effect, not the whole chain's, and flags a
move whose own effect misses its prediction."""

from __future__ import annotations

import numpy as np
import pedalboard as pb
from signals import pink_noise, write_float_wav

from analyzers import analyze
from analyzers.context import make_context
from analyzers.moves import Move
from analyzers.suggest import Suggestion
from bridge.apply import run_apply
from bridge.checks import BAND_TOLERANCE_DB, checks_for
from bridge.render import render_move

RATE = 48000


def _bumped() -> np.ndarray:
    x = pink_noise(np.random.default_rng(5), 8.0, RATE, level_dbfs=-26.0)
    return pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=3000.0, gain_db=9.0, q=2.0)])(x, RATE)


def test_an_eq_moves_check_is_its_own_effect_beside_a_loudness_move(tmp_path):
    src = tmp_path / "in.wav"
    write_float_wav(src, _bumped(), RATE)
    advice, report = run_apply(src, tmp_path / "out.wav", make_context(role_name="other", target="spotify"))
    cut = next(s for s in advice.suggestions if s.aspect.startswith("bump:"))
    assert any(s.id == "loudness" for s in advice.suggestions)  # a +9 dB-ish gain follows the cut
    mine = [c for c in report.checks if c.suggestion_id == cut.id and c.figure.startswith("band_")]
    assert mine and all(c.own for c in mine)
    for c in mine:  # its own effect, within the tolerance of its prediction (the gain not counted)
        assert abs(c.measured - c.predicted) <= BAND_TOLERANCE_DB, c
        assert not c.missed
    loud = next(c for c in report.checks if c.figure == "integrated_lufs")
    assert loud.measured - loud.before > 3.0  # the chain did move the level: it is just not the cut's


def test_a_move_whose_own_effect_misses_its_prediction_is_flagged():
    x = _bumped()
    before = analyze(x, RATE)
    move = Move("peak", {"freq_hz": 3000.0, "gain_db": -6.0, "q": 2.0})
    wrong = Suggestion(id="cut-3k", move=move, why="", confidence=0.5, severity="low", aspect="bump:3000",
                       predicted={"band_3150_hz_change_db": -1.0, "band_1000_hz_change_db": 0.0})  # fmt: skip
    alone = {"cut-3k": analyze(render_move(x, RATE, move), RATE)}
    checks = {c.figure: c for c in checks_for([wrong], before, before, alone)}
    assert checks["band_3150_hz_change_db"].missed  # measured about −5 dB against −1 predicted
    assert checks["band_3150_hz_change_db"].measured < -4.0
    assert not checks["band_1000_hz_change_db"].missed
