"""``apply`` sets each move's own measured effect beside its prediction and flags every
figure that misses by more than its tolerance; the predictions are those of the renderer
(pedalboard's compressor, the mid/side crossover), rendered for real here."""

from __future__ import annotations

import numpy as np
import pytest
from signals import pink_noise, voice_with_pauses, write_float_wav

from analyzers import analyze
from analyzers.context import make_context
from analyzers.errors import ParameterError
from analyzers.moves import Move
from analyzers.spectrum import NOMINAL_CENTRES_HZ
from analyzers.suggest import suggest
from analyzers.suggest.dynamics import compressor_crest_drop_db
from bridge.apply import run_apply, tweaked
from bridge.checks import Check, misses, tolerance_for
from bridge.render import butterworth, render_move
from ui.cli.report import render_apply

RATE = 48000


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    x = voice_with_pauses(["the quick brown fox jumps over the lazy dog", "she sells sea shells by the shore"],
                          RATE, pause_s=0.4)  # fmt: skip
    return np.asarray(x[None, :], dtype=np.float32)


def test_the_compressors_predicted_crest_is_what_pedalboard_delivers(voice):
    before = analyze(voice, RATE)
    comp = suggest(before, make_context(role_name="vocal")).by_id("comp")
    after = analyze(render_move(voice, RATE, comp.move), RATE)
    # the old rule promised 0.6 of (peak − threshold)(1 − 1/R), ~3.6 dB here; pedalboard's
    # peak detector lets the sharpest peaks through and delivers far less
    assert abs(after.levels.crest_db - comp.predicted["crest_db"]) <= tolerance_for("crest_db")[0]
    assert "brings it down about" in comp.why and "off the peaks" not in comp.why


def _wide_lows() -> np.ndarray:
    """Stereo: the same pink noise in both channels, plus lows under 120 Hz different in each."""
    rng = np.random.default_rng(11)
    mid = pink_noise(rng, 10.0, RATE, channels=1, level_dbfs=-24.0)
    wide = pink_noise(rng, 10.0, RATE, channels=2, correlation=0.0, level_dbfs=-14.0)
    lows = butterworth(wide, RATE, 120.0, 4, highpass=False)
    return np.asarray(mid + lows, dtype=np.float32)


def test_mono_bass_predicts_the_fall_to_the_mono_level():
    x = _wide_lows()
    before = analyze(x, RATE)
    s = suggest(before, make_context(role_name="mix")).by_id("mono-bass")
    after = analyze(render_move(x, RATE, s.move), RATE)
    assert s.predicted
    for key, predicted in s.predicted.items():
        j = list(NOMINAL_CENTRES_HZ).index(float(key.split("_")[1]))
        measured = after.spectrum.level_db[j] + after.spectrum.total_dbfs - (
            before.spectrum.level_db[j] + before.spectrum.total_dbfs)
        assert predicted <= 0.0  # summing the side lowers the band to its mono level, never raises it
        assert abs(measured - predicted) <= 0.5, (key, predicted, measured)


def test_a_loudness_the_limiter_cannot_reach_is_flagged(tmp_path):
    src = tmp_path / "dense.wav"
    write_float_wav(src, pink_noise(np.random.default_rng(2), 6.0, RATE, level_dbfs=-14.0), RATE)
    _, report = run_apply(src, tmp_path / "out.wav", make_context(role_name="other", target="0"), accept="loudness")
    loud = next(c for c in report.checks if c.figure == "integrated_lufs")
    assert loud.predicted == 0.0 and loud.measured < -3.0  # noise driven into a −1 dBTP ceiling stays under
    assert loud.missed and not loud.own
    assert any("[loudness] integrated_lufs" in w and "by more than 0.5 LU" in w for w in report.warnings)


def test_dc_offset_is_measured_and_counts_are_whole_numbers(tmp_path, voice):
    src = tmp_path / "dc.wav"
    write_float_wav(src, voice + 0.02, RATE)
    _, report = run_apply(src, tmp_path / "out.wav", make_context(role_name="vocal"), accept="dc-highpass")
    dc = next(c for c in report.checks if c.figure == "dc_offset")
    assert dc.before == pytest.approx(0.02, abs=0.002)
    assert dc.measured is not None and dc.measured < 0.001 and dc.own and not dc.missed
    # a count: exact, and printed as one
    hum = Check("dehum-50", "hum_lines", 4.0, 0.0, 1.0, own=True, missed=misses("hum_lines", 0.0, 1.0))
    assert hum.missed and hum.to_dict()["before"] == 4 and isinstance(hum.to_dict()["measured"], int)
    text = render_apply({"path": "a", "output": "b", "accepted": ["dehum-50"], "checks": [hum.to_dict()],
                         "after": {"integrated_lufs": None, "true_peak_dbtp": None, "crest_db": None}})  # fmt: skip
    assert "4 → predicted 0, measured 1" in text and "⚠ misses by more than 0 lines" in text


def test_a_tweak_is_predicted_for_its_own_parameters(voice):
    before = analyze(voice, RATE)
    advice = suggest(before, make_context(role_name="vocal"))
    comp = advice.by_id("comp")
    peak = before.levels.sample_peak_dbfs
    gentle = round(peak - 5.0, 1)  # a threshold just under the peaks: nearly no change of the crest
    new = tweaked(advice, [comp], {"comp": {"ratio": 2.0, "threshold_db": gentle}}, analysis=before)[0]
    assert new.predicted["crest_db"] == round(before.levels.crest_db
                                              - compressor_crest_drop_db(peak, gentle, comp.move.params["attack_ms"]), 1)
    assert new.predicted["crest_db"] != comp.predicted["crest_db"]
    after = analyze(render_move(voice, RATE, new.move), RATE)
    assert not misses("crest_db", new.predicted["crest_db"], after.levels.crest_db)


def test_a_harmonic_mask_is_a_whole_number():
    with pytest.raises(ParameterError, match="whole number"):
        Move("dehum", {"freq_hz": 50.0, "harmonic_mask": 2.5, "width_hz": 2.0})
    assert Move("dehum", {"freq_hz": 50.0, "harmonic_mask": 5, "width_hz": 2.0}).params["harmonic_mask"] == 5.0


def test_a_figure_measured_elsewhere_is_not_called_its_own_effect(voice):
    from analyzers.suggest import Suggestion
    from bridge.checks import checks_for

    before = analyze(voice, RATE)
    move = Move("peak", {"freq_hz": 1000.0, "gain_db": -3.0, "q": 1.0})
    s = Suggestion(id="mask-1k", move=move, why="", confidence=0.5, severity="low", aspect="masking",
                   predicted={"focus_to_masker_db": 2.0})  # fmt: skip
    (c,) = checks_for([s], before, before, {"mask-1k": analyze(render_move(voice, RATE, move), RATE)})
    assert c.measured is None and not c.own and not c.missed  # a cross-track figure: not measured on one file
