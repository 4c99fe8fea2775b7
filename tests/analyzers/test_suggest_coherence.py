"""Every note, verdict and move agrees with the others: no move beyond a roll-off, intent
bells that make one curve, a codec's low-pass that is no target, the documented caps, the
range actually judged, analyze's warnings beside suggest's faults, and the wording."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pedalboard as pb
import pytest

from analyzers import analyze
from analyzers.context import make_context
from analyzers.moves import TONAL_EQ_KINDS
from analyzers.suggest import suggest
from analyzers.suggest.common import db
from analyzers.suggest.corrective import region_name
from analyzers.suggest.fine import fine, half_gain_span_hz, limits
from analyzers.suggest.turns import Turn
from signals import pink_noise

RATE = 48000


@lru_cache(maxsize=None)
def _pink(seed: int = 7, seconds: float = 10.0, rate: int = RATE) -> np.ndarray:
    return pink_noise(np.random.default_rng(seed), seconds, rate)


def _lowpass(x: np.ndarray, freq_hz: float, rate: int = RATE) -> np.ndarray:
    """An 8th-order Butterworth's magnitude (FFT): 48 dB/oct above ``freq_hz``."""
    f = np.fft.rfftfreq(x.shape[1], 1 / rate)
    gain = 1 / np.sqrt(1 + (f / freq_hz) ** 16)
    return np.fft.irfft(np.fft.rfft(x, axis=1) * gain, x.shape[1], axis=1).astype(np.float32)


def _brickwall(x: np.ndarray, freq_hz: float, rate: int) -> np.ndarray:
    """Nothing above ``freq_hz`` (FFT): a lossy codec's low-pass."""
    spec = np.fft.rfft(x, axis=1)
    spec[:, np.fft.rfftfreq(x.shape[1], 1 / rate) > freq_hz] = 0.0
    return np.fft.irfft(spec, x.shape[1], axis=1).astype(np.float32)


def _bell(x: np.ndarray, freq_hz: float, gain_db: float, q: float) -> np.ndarray:
    return np.asarray(pb.PeakFilter(cutoff_frequency_hz=freq_hz, gain_db=gain_db, q=q)(x, RATE), dtype=np.float32)


def _eq(advice):
    return [s for s in advice.suggestions if s.move.kind in TONAL_EQ_KINDS]


# --------------------------------------------------------------------------- 1. beyond a roll-off


def test_intent_words_never_cut_or_boost_beyond_a_roll_off():
    """A 2 kHz low-pass: 'less harsh' (2–5 kHz) and 'more air' (8–14 kHz) have nothing to act
    on; they are answered in words, and 'less boxy' (400 Hz–1 kHz, inside) still gets judged."""
    a = analyze(_lowpass(_pink(), 2000.0), RATE)
    top = limits(*fine(a)).high_hz
    assert top is not None and top < 3000, top
    advice = suggest(a, make_context(role_name="other", intent="less harsh, more air, less boxy"))
    beyond = [s for s in _eq(advice) if s.aspect.startswith("intent:") and s.move.params["freq_hz"] > top]
    assert not beyond, [s.why for s in beyond]
    for words, verb in (("less harsh", "cut"), ("more air", "boost")):
        note = next((n for n in advice.notes if n.startswith(f"'{words}'")), "")
        assert "the top is missing" in note and f"nothing there to {verb}" in note, advice.notes


def test_the_neutral_curve_is_not_pulled_down_by_empty_bands():
    """'warmer' on a voice-band source: its 'less top' reading (5–8 kHz) lies beyond the 4 kHz
    low-pass, so no shelf is cut there (the empty bands made the region look +15 dB high)."""
    x = np.asarray(pb.HighpassFilter(cutoff_frequency_hz=150.0)(_lowpass(_pink(), 4000.0), RATE), np.float32)
    advice = suggest(analyze(x, RATE), make_context(intent="warmer"))
    high = [s for s in _eq(advice) if s.move.params["freq_hz"] >= 4000]
    assert not high, [s.why for s in high]
    assert any("the top is missing" in n and "'less top'" in n for n in advice.notes), advice.notes


# --------------------------------------------------------------------------- 2. one curve


def test_warmer_and_less_muddy_make_one_curve():
    """A slight mud bump: 'less muddy' cuts it, 'warmer' must not boost into the same place;
    no intent boost's half-gain span overlaps an intent cut's."""
    x = _bell(_pink(), 250.0, 2.5, 1.0)
    advice = suggest(analyze(x, RATE), make_context(role_name="other", intent="warmer, less muddy"))
    eq = [s for s in _eq(advice) if s.aspect.startswith("intent:")]
    cuts = [s for s in eq if s.move.params["gain_db"] < 0 and s.aspect == "intent:less muddy"]
    assert cuts, [s.why for s in advice.suggestions] + list(advice.notes)
    for b in (s for s in eq if s.move.params["gain_db"] > 0):
        for c in (s for s in eq if s.move.params["gain_db"] < 0):
            b_lo, b_hi = half_gain_span_hz(b.move, RATE)
            c_lo, c_hi = half_gain_span_hz(c.move, RATE)
            assert b_hi <= c_lo or b_lo >= c_hi, (b.why, c.why)
    assert any("one curve" in n for n in advice.notes) or not any(
        s.aspect == "intent:warmer" and s.move.params["gain_db"] > 0 for s in eq), advice.notes  # fmt: skip


# --------------------------------------------------------------------------- 3. a codec's low-pass


def test_a_codec_low_pass_on_the_reference_is_no_target():
    """The same pink noise with its top cut at 16 kHz (as a 96 kbit/s MP3) as reference: no
    tonal move, and the verdict says what was left out."""
    rate = 44100
    x = _pink(seed=3, rate=rate)
    ref = analyze(_brickwall(x, 16000.0, rate), rate)
    lim = limits(*fine(ref))
    assert lim.codec, lim
    advice = suggest(analyze(x, rate), make_context(reference=ref, reference_name="mp3"))
    assert not _eq(advice), [s.why for s in _eq(advice)]
    why = next(k.why for k in advice.leave_alone if k.aspect == "tonal_balance")
    assert "codec" in why and "16 kHz (" not in why, why


# --------------------------------------------------------------------------- 4. the cap


@pytest.mark.parametrize(("freq_hz", "gain_db", "q"), [(200.0, 6.0, 2.8), (250.0, 10.0, 4.0)])
def test_no_reference_move_closes_more_than_the_cap(freq_hz, gain_db, q):
    """README: any one move closes at most 80 % of the reference's gap it answers (a narrow
    bell fitted to an octave-smoothed gap closed 89–90 % of it)."""
    ref = analyze(_pink(seed=121), RATE)
    advice = suggest(analyze(_bell(_pink(seed=21), freq_hz, gain_db, q), RATE),
                     make_context(reference=ref, reference_name="pink"))  # fmt: skip
    tonal = [s for s in _eq(advice) if "closes" in s.why]
    assert tonal
    for s in tonal:
        pct = float(s.why.split("closes ")[1].split(" %")[0])
        assert pct <= 80, s.why


# --------------------------------------------------------------------------- 5. the range judged


def test_a_low_passed_file_against_its_clean_reference_is_told_its_top_is_missing():
    clean = analyze(_pink(seed=5), RATE)
    dull = analyze(_lowpass(_pink(seed=6), 2000.0), RATE)
    advice = suggest(dull, make_context(role_name="other", reference=clean, reference_name="clean"))
    why = next(k.why for k in advice.leave_alone if k.aspect == "tonal_balance")
    assert why.startswith("the top is missing") and "16 kHz" not in why.split(";")[1], why


def test_a_genre_verdict_names_the_range_it_judged():
    a = analyze(_lowpass(_pink(seed=8), 2000.0), RATE)
    advice = suggest(a, make_context(genre_name="rock"))
    why = [k.why for k in advice.leave_alone if k.aspect == "tonal_balance"]
    texts = why + [s.why for s in _eq(advice) if "octave-smoothed" in s.why]
    assert texts and all("16 kHz" not in t and "top is missing" in t for t in texts), texts


# --------------------------------------------------------------------------- 6. contradictions


def test_glue_asked_for_is_not_called_unneeded():
    advice = suggest(analyze(_pink(seed=9), RATE), make_context(intent="more glue"))
    assert any(s.id == "glue" for s in advice.suggestions)
    dyn = [k.why for k in advice.leave_alone if k.aspect == "dynamics"]
    assert all("asks for it" in w for w in dyn), dyn


def test_analyze_warns_of_a_true_peak_over_0_dbtp():
    """A 12 kHz sine sampled 45° off its crests: samples at -0.1 dBFS, true peak about +2.9 dBTP."""
    t = np.arange(5 * RATE) / RATE
    x = np.sin(2 * np.pi * 12000 * t + np.pi / 4)
    x = (x / np.abs(x).max() * 10 ** (-0.1 / 20)).astype(np.float32)[None, :]
    a = analyze(x, RATE)
    assert a.levels.true_peak_dbtp > 0.5
    assert any("above 0 dBTP" in w for w in a.warnings), a.warnings
    assert any(s.aspect == "true_peak" for s in suggest(a, make_context()).suggestions)


def test_the_rumble_verdict_agrees_with_the_infrasonic_figure():
    x = np.asarray(pb.HighpassFilter(cutoff_frequency_hz=45.0)(_pink(seed=10), RATE), np.float32)
    a = analyze(x, RATE)
    assert a.spectrum.below_20hz_db is not None and a.spectrum.below_20hz_db > -80
    advice = suggest(a, make_context())
    why = next(k.why for k in advice.leave_alone if k.aspect == "rumble")
    assert "nothing measurable" not in why and f"{a.spectrum.below_20hz_db:.0f} dB" in why, why


# --------------------------------------------------------------------------- 7. wording


def test_a_numeric_target_is_named_once():
    advice = suggest(analyze(_pink(seed=12) * 0.3, RATE), make_context(target="-14"))
    why = next(s.why for s in advice.suggestions if s.id == "loudness")
    assert "LUFS's" not in why and "-14 LUFS" in why, why


def test_wording_says_each_thing_once():
    assert region_name(11000.0, 5.6, make_context())[1] == "ringing"
    assert region_name(3000.0, 5.6, make_context())[1] == "ringing, harsh"
    assert db(-0.04) == "0.0" and db(-0.04, signed=True) == "+0.0" and db(-0.06) == "-0.1"
    assert Turn(words="", kind="first").label == "the opening suggestions"
    assert Turn(words="warmer", kind="words").label == "'warmer'"


def test_one_reading_is_not_called_readings():
    x = np.asarray(pb.HighpassFilter(cutoff_frequency_hz=150.0)(_lowpass(_pink(), 4000.0), RATE), np.float32)
    advice = suggest(analyze(x, RATE), make_context(intent="warmer"))
    assert not any("1 standard readings" in n for n in advice.notes), advice.notes


# --------------------------------------------------------------------------- 8. DC


@pytest.mark.parametrize(("dc", "role", "expected", "word"), [
    (10 ** (-58 / 20), "vocal", "low", "the voice"), (0.02, "guitar", "medium", "the guitar")])  # fmt: skip
def test_the_dc_move_scales_with_the_offset_and_names_the_role(dc, role, expected, word):
    """Music high-passed at 150 Hz (no rumble to answer) with a DC offset added."""
    board = pb.Pedalboard([pb.HighpassFilter(cutoff_frequency_hz=150.0) for _ in range(3)])
    x = np.asarray(board(_pink(seed=13)[:1], RATE)) * 0.25
    x = (x - x.mean() + dc).astype(np.float32)
    assert abs(float(x.mean()) - dc) < 1e-5
    advice = suggest(analyze(x, RATE), make_context(role_name=role))
    s = next(s for s in advice.suggestions if s.id == "dc-highpass")
    assert s.severity == expected, s
    assert f"leaves {word} alone" in s.why and ("wastes headroom" in s.why) == (expected != "low"), s.why
