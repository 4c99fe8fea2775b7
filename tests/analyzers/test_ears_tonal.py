"""Tonal location, restraint and hygiene of the suggestions, on signals the tests make.

Bumps are put where the test knows (pedalboard's ``PeakFilter`` on pink noise or on a
synthetic voice-like source), filtered and thin versions are made with Butterworth filters
(scipy), and each problem has a clean control that must not get the move. Where a cut is
proposed, it is rendered and the bump measured again on the fine spectrum.
"""

from __future__ import annotations

import math

import numpy as np
import pedalboard as pb
import pytest
from scipy import signal
from signals import pink_noise
from voices import speak

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest
from analyzers.suggest.fine import bell_width_oct, features, fine, limits

RATE = 48000
EQ = ("peak", "low_shelf", "high_shelf")
CALM = "Good morning. I am reading a long calm line, on a warm and mellow night, without any trouble at all."


def _pink(seed: int = 7, seconds: float = 8.0, channels: int = 2) -> np.ndarray:
    return pink_noise(np.random.default_rng(seed), seconds, RATE, channels=channels, level_dbfs=-20.0)


def _voice(seed: int = 3, seconds: float = 8.0) -> np.ndarray:
    """A voice-like source: a 140 Hz glottal buzz with slow pitch drift through four
    formant resonances, and breath/fricative noise up to 10 kHz, in syllables (mono)."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    f0 = 140 * (1 + 0.08 * np.sin(2 * np.pi * 0.3 * t))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    buzz = signal.sawtooth(phase) + 0.05 * np.random.default_rng(seed).standard_normal(n)
    out = np.zeros(n)
    for fc, bw in ((500, 80), (1500, 120), (2500, 160), (3500, 250)):
        b, a = signal.iirpeak(fc, fc / bw, fs=RATE)
        out += signal.lfilter(b, a, buzz)
    breath = signal.sosfilt(signal.butter(2, (3000, 10000), "bandpass", fs=RATE, output="sos"),
                            np.random.default_rng(seed + 1).standard_normal(n))  # fmt: skip
    out += 0.15 * breath
    env = 0.5 * (1 + np.sin(2 * np.pi * 3 * t)) ** 2
    out = out * env
    return (0.25 * out / np.abs(out).max())[None, :].astype(np.float32)


def _bell(x: np.ndarray, freq_hz: float, gain_db: float, q: float) -> np.ndarray:
    return pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=freq_hz, gain_db=gain_db, q=q)])(x, RATE)


def _butter(x: np.ndarray, freq_hz: float, kind: str, order: int = 4) -> np.ndarray:
    sos = signal.butter(order, freq_hz, kind, fs=RATE, output="sos")
    return signal.sosfilt(sos, x, axis=-1).astype(np.float32)


def _eq(advice):
    return [s for s in advice.suggestions if s.move.kind in EQ]


def _oct(a: float, b: float) -> float:
    return abs(math.log2(a / b))


@pytest.mark.parametrize(("freq_hz", "gain_db", "q"), [(250.0, 8.0, 2.0), (500.0, 8.0, 1.4), (1200.0, 8.0, 2.0),
                                                       (3000.0, 8.0, 2.0), (180.0, 6.0, 1.0)])  # fmt: skip
def test_a_bump_is_cut_within_a_sixth_of_an_octave_and_the_render_flattens_it(freq_hz, gain_db, q):
    x = _bell(_pink(), freq_hz, gain_db, q)
    a = analyze(x, RATE)
    advice = suggest(a, make_context(role_name="other"))
    cuts = [s for s in _eq(advice) if s.move.params["gain_db"] < 0]
    assert cuts, [s.why for s in advice.suggestions]
    best = min(cuts, key=lambda s: _oct(s.move.params["freq_hz"], freq_hz))
    assert _oct(best.move.params["freq_hz"], freq_hz) <= 1 / 6, best.why
    assert best.move.kind == "peak"
    # rendered: the bump measured again on the fine spectrum is at most half as high
    p = best.move.params
    y = _bell(x, p["freq_hz"], p["gain_db"], p["q"])
    f, lv = fine(analyze(y, RATE))
    after = [z for z in features(f, lv, sample_rate_hz=RATE, zone_hz=(100, 12000), min_db=1.0)
             if _oct(z.freq_hz, freq_hz) <= 1 / 3]  # fmt: skip
    f0, lv0 = fine(a)
    before = [z for z in features(f0, lv0, sample_rate_hz=RATE, zone_hz=(100, 12000), min_db=1.0)
              if _oct(z.freq_hz, freq_hz) <= 1 / 3]  # fmt: skip
    assert before and before[0].height_db >= 3.0
    assert not after or after[0].height_db <= 0.5 * before[0].height_db, (before, after)


def test_clean_pink_noise_gets_no_eq_move():
    advice = suggest(analyze(_pink(), RATE), make_context(role_name="other"))
    assert not _eq(advice), [s.why for s in advice.suggestions]


@pytest.mark.parametrize("kind", ["lowpass", "highpass"])
@pytest.mark.parametrize("source", ["voice", "pink"])
def test_filtered_material_never_gets_a_cut_at_the_roll_off(kind, source):
    """A low-passed (dull) or high-passed (thin) source: a verdict, never a cut at the knee."""
    x = _voice() if source == "voice" else _pink(channels=1)
    corner = 1500.0 if kind == "lowpass" else 1000.0
    y = _butter(x, corner, "low" if kind == "lowpass" else "high")
    advice = suggest(analyze(y, RATE), make_context(role_name="vocal" if source == "voice" else "other"))
    for s in _eq(advice):
        near_knee = _oct(s.move.params["freq_hz"], corner) <= 1 / 3
        assert not (s.move.params["gain_db"] < 0 and near_knee), f"cut at the edge of the roll-off: {s.why}"
    word = "top missing" if kind == "lowpass" else "thin"
    assert any(n.startswith(word) for n in advice.notes), advice.notes


def test_unfiltered_sources_get_no_band_limit_verdict():
    for x, role in ((_voice(), "vocal"), (_pink(), "other")):
        advice = suggest(analyze(x, RATE), make_context(role_name=role))
        assert not [n for n in advice.notes if n.startswith(("top missing", "thin"))], advice.notes


def test_a_codec_low_pass_is_not_a_deficit_to_boost():
    """A mix cut off at 16 kHz (a lossy codec's low-pass) gets no boost up there with a genre."""
    x = _butter(_pink(), 16000.0, "low", order=12)
    f, lv = fine(analyze(x, RATE))
    lim = limits(f, lv)
    assert lim.codec and 14000 <= lim.high_hz <= 16500, lim
    advice = suggest(analyze(x, RATE), make_context(genre_name="pop"))
    assert not [s for s in _eq(advice) if s.move.params["gain_db"] > 0 and s.move.params["freq_hz"] >= 8000], (
        [s.why for s in advice.suggestions])
    assert any("codec" in n for n in advice.notes), advice.notes


def test_an_instruments_own_register_is_not_a_resonance():
    """A kick's body at 60 Hz and a bass's low notes are the instrument: no cut there."""
    x = _bell(_pink(), 70.0, 10.0, 2.0)
    for role in ("kick", "bass", "drums", "keys"):
        advice = suggest(analyze(x, RATE), make_context(role_name=role))
        assert not [s for s in _eq(advice) if s.move.params["gain_db"] < 0 and s.move.params["freq_hz"] < 150], role


def test_dc_offset_gets_a_high_pass_agreeing_with_the_warning():
    x = _pink() + np.float32(0.01)
    a = analyze(x, RATE)
    assert any("DC offset" in w for w in a.warnings)
    advice = suggest(a, make_context(role_name="vocal"))
    hp = [s for s in advice.suggestions if s.move.kind == "highpass"]
    assert hp and "DC" in " ".join(s.why for s in hp), [s.why for s in advice.suggestions]
    assert not [k for k in advice.leave_alone if "no high-pass" in k.why]
    # rendered: the high-pass takes the DC away
    p = hp[0].move.params
    y = pb.Pedalboard([pb.HighpassFilter(cutoff_frequency_hz=p["freq_hz"])])(x, RATE)
    assert abs(float(y[:, RATE:].mean())) < 0.1 * 0.01


def test_no_dc_no_dc_move():
    advice = suggest(analyze(_pink(), RATE), make_context(role_name="vocal"))
    assert not [s for s in advice.suggestions if s.aspect == "dc_offset"]


def test_a_true_peak_over_0_dbtp_is_a_problem_with_a_move_not_leave_it():
    x = _pink()
    x = (x / np.abs(x).max() * 10 ** (0.8 / 20)).astype(np.float32)  # float file, +0.8 dBFS peaks
    a = analyze(x, RATE)
    assert a.levels.true_peak_dbtp > 0
    advice = suggest(a, make_context())
    # the overs are still in this float file: plain gain brings them under −1 dBTP whole
    gain = advice.by_id("float-over-gain")
    assert abs(gain.move.params["gain_db"] - -(a.levels.true_peak_dbtp + 1.0)) < 0.06
    assert gain.predicted["true_peak_dbtp"] == -1.0
    assert not [k for k in advice.leave_alone if k.aspect == "true_peak"]
    # the same peaks cut at full scale (as a fixed-point file holds them): a limiter answers the true peak
    c = analyze(np.clip(x, -1.0, 1.0), RATE)
    assert c.levels.true_peak_dbtp > 0 and c.hygiene.over_full_scale_samples == 0
    assert suggest(c, make_context()).by_id("true-peak-limit").move.params["ceiling_dbtp"] <= -1.0
    quiet = suggest(analyze(x * np.float32(0.5), RATE), make_context())
    assert not [s for s in quiet.suggestions if s.aspect == "true_peak"]


def test_a_mono_mix_in_two_channels_is_called_mono():
    x = _pink(channels=1)
    both = np.vstack([x, x])
    advice = suggest(analyze(both, RATE), make_context())
    width = [k.why for k in advice.leave_alone if k.aspect == "width"]
    assert width and "mono" in width[0] and "normal stereo" not in width[0], width
    stereo = suggest(analyze(_pink(), RATE), make_context())
    assert not [k for k in stereo.leave_alone if k.aspect == "width" and "mono" in k.why]


def test_a_short_file_gets_a_lower_confidence():
    x = _bell(_pink(seconds=10.0), 250.0, 10.0, 2.0)
    long_ = suggest(analyze(x, RATE), make_context(role_name="other"))
    short = suggest(analyze(x[:, : int(0.7 * RATE)], RATE), make_context(role_name="other"))
    assert max(s.confidence for s in long_.suggestions) > 0.6
    assert short.suggestions and max(s.confidence for s in short.suggestions) <= 0.45


def test_genre_notes_do_not_ask_for_the_genre_given_and_are_not_repeated():
    x = _bell(_pink(), 700.0, 10.0, 2.0)
    advice = suggest(analyze(x, RATE), make_context(genre_name="pop"))
    assert not [n for n in advice.notes if "--genre" in n], advice.notes
    assert len(advice.notes) == len(set(advice.notes))
    plain = suggest(analyze(x, RATE), make_context())
    assert [n for n in plain.notes if "--genre" in n]  # without one, it is the hint


def test_tonal_moves_never_together_overshoot_the_region_they_answer():
    """Two moves justified by the same region close at most the cap (80 % for a reference)."""
    clean = analyze(_pink(seed=11), RATE)
    tilted = pb.Pedalboard([pb.LowShelfFilter(cutoff_frequency_hz=200.0, gain_db=10.0, q=0.707)])(_pink(seed=11), RATE)
    advice = suggest(analyze(tilted, RATE), make_context(reference=clean, reference_name="clean"))
    for s in _eq(advice):
        for pct in [float(w.split(" %")[0].split()[-1].strip("(")) for w in s.why.split("closes ")[1:]]:
            assert pct <= 80 + 5, s.why
        assert "with the other tonal moves" not in s.why or float(
            s.why.split("(")[-1].split(" %")[0]) <= 85, s.why  # fmt: skip


def test_less_muddy_on_lean_low_mids_is_already_there_with_the_figure():
    lean = _bell(_pink(), 250.0, -6.0, 1.0)
    advice = suggest(analyze(lean, RATE), make_context(role_name="other", intent="less muddy"))
    assert not [s for s in _eq(advice) if s.aspect == "intent:less muddy"], [s.why for s in advice.suggestions]
    note = next(n for n in advice.notes if "already there" in n)
    assert " dB " in note and "150 Hz–400 Hz" in note
    muddy = _bell(_pink(), 220.0, 6.0, 1.0)  # the control: real mud gets its cut
    advice = suggest(analyze(muddy, RATE), make_context(role_name="other", intent="less muddy"))
    assert [s for s in _eq(advice) if s.move.params["gain_db"] < 0 and 150 <= s.move.params["freq_hz"] <= 400]


@pytest.mark.parametrize("mud_db", [0.0, 3.0, 6.0])
def test_warmer_but_not_muddy_is_one_curve(mud_db):
    """No boost within an octave under a cut: never +89 Hz beside −158 Hz."""
    x = _bell(_pink(), 180.0, mud_db, 1.0) if mud_db else _pink()
    advice = suggest(analyze(x, RATE), make_context(role_name="other", intent="warmer but not muddy"))
    eq = _eq(advice)
    for b in (s for s in eq if s.move.params["gain_db"] > 0):
        for c in (s for s in eq if s.move.params["gain_db"] < 0 and s.move.kind == "peak"):
            assert _oct(b.move.params["freq_hz"], c.move.params["freq_hz"]) > 1.0, (b.why, c.why)


def _fitted_within_the_bump(advice, f, lv):
    """Every bump cut: no deeper than the bump stands, no wider than its half-height edges
    (both measured on the fine spectrum by :func:`features`, beside the suggestion)."""
    found = features(f, lv, sample_rate_hz=RATE, zone_hz=(100, 12000), min_db=1.0)
    for s in _eq(advice):
        p = s.move.params
        if p["gain_db"] >= 0 or not s.aspect.startswith("bump:"):
            continue
        bump = min(found, key=lambda z: _oct(z.freq_hz, p["freq_hz"]))
        assert _oct(bump.freq_hz, p["freq_hz"]) <= 1 / 12, (s.why, bump)
        assert -p["gain_db"] <= bump.height_db + 0.05, (s.why, bump)
        assert bell_width_oct(p["q"]) <= math.log2(bump.hi_hz / bump.lo_hz) + 1e-6, (s.why, bump)


@pytest.mark.parametrize(("freq_hz", "q"), [(250.0, 2.0), (500.0, 1.4), (1200.0, 2.0)])
def test_a_cut_is_never_deeper_nor_wider_than_the_bump_it_answers(freq_hz, q):
    x = _bell(_pink(), freq_hz, 8.0, q)
    a = analyze(x, RATE)
    advice = suggest(a, make_context(role_name="other"))
    assert [s for s in _eq(advice) if s.move.params["gain_db"] < 0]
    _fitted_within_the_bump(advice, *fine(a))


def test_a_telephone_band_voice_gets_no_cut_for_its_passbands_shoulder():
    # a voice through a 300 Hz–3.4 kHz band (8th-order low-pass, 4th-order high-pass): its
    # spectrum rises out of the high-pass into the voice's own register; that shoulder was
    # cut at 463 Hz, -7.6 dB Q 0.7, for a bump standing 6.6 dB
    nb = _butter(_butter(speak(CALM, voice="en-us+f3"), 300.0, "high", 4), 3400.0, "low", 8)
    a = analyze(nb, RATE)
    f, lv = fine(a)
    lim = limits(f, lv)
    assert lim.low_hz is not None and lim.high_hz is not None and math.log2(lim.high_hz / lim.low_hz) < 5
    advice = suggest(a, make_context(role_name="vocal"))
    for s in _eq(advice):
        assert s.move.params["gain_db"] >= 0 or not 300.0 <= s.move.params["freq_hz"] < 2 * lim.low_hz, s.why
    _fitted_within_the_bump(advice, f, lv)
    # the full-band voice (control) has no such shoulder either: no cut under 600 Hz
    full = suggest(analyze(speak(CALM, voice="en-us+f3"), RATE), make_context(role_name="vocal"))
    assert not [s for s in _eq(full) if s.move.params["gain_db"] < 0 and s.move.params["freq_hz"] < 600.0]
