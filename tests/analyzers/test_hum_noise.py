"""Mains hum and background noise: heard as what they are, answered with the right move.

Voices are espeak-ng phrases with real pauses (digital silence between them), to which the
tests add what a bad recording adds: 50 or 60 Hz hum with some harmonics, hiss. Each
problem has a clean control that must get no such move: the voice alone, and a voice over
a bass note at 55 Hz and its octave 110 Hz (a note near the mains is music, not hum).
"""

from __future__ import annotations

import numpy as np
import pytest
from signals import mains_hum, voice_with_pauses

from analyzers import analyze
from analyzers.context import make_context
from analyzers.moves import harmonics
from analyzers.report import analysis_to_dict
from analyzers.suggest import suggest

SR = 48000
PHRASES = ["Take the red one to the kitchen.", "We will leave the house at noon.",
           "Nobody knows the answer yet.", "Bring the chairs inside before it rains."]  # fmt: skip


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    return voice_with_pauses(PHRASES, SR, pause_s=1.0)


def _advise(x: np.ndarray, role: str = "vocal"):
    a = analyze(x[None, :].astype(np.float32), SR)
    return a, suggest(a, make_context(role_name=role))


def _moves(advice, *kinds):
    return [s for s in advice.suggestions if s.move.kind in kinds]


@pytest.mark.parametrize(("mains", "levels"), [
    (50.0, {1: -45.0, 2: -50.0, 3: -48.0, 5: -52.0}),
    (60.0, {1: -47.0, 3: -48.0, 5: -48.0}),  # odd harmonics: buzz-like
])  # fmt: skip
def test_hum_is_named_with_its_mains_and_notched_at_the_harmonics_that_stand_out(voice, mains, levels):
    x = voice + mains_hum(mains, levels, voice.size, SR)
    a, advice = _advise(x)
    assert a.hum.mains_hz == mains
    assert a.hum.fundamental_hz == pytest.approx(mains, abs=0.05)
    assert {ln.harmonic for ln in a.hum.lines} == set(levels)
    for ln in a.hum.lines:  # the measured level of each line is the level put in
        assert ln.level_dbfs == pytest.approx(levels[ln.harmonic], abs=2.0)
    (s,) = _moves(advice, "dehum")
    assert s.move["freq_hz"] == pytest.approx(mains, abs=0.05)
    assert set(harmonics(s.move)) == set(levels)
    upper = ", ".join(f"{k * mains:.0f}" for k in sorted(levels) if k > 1)
    assert f"{mains:.0f} Hz mains" in s.why and f"harmonics at {upper} Hz" in s.why
    assert not _moves(advice, "highpass"), "the hum's energy is notched, not high-passed"
    # the analyze report says the same
    d = analysis_to_dict(a)
    assert d["hum"]["mains_hz"] == mains and [ln["harmonic"] for ln in d["hum"]["lines"]] == sorted(levels)


def test_a_hum_of_only_its_second_harmonic_is_still_50_hz_mains(voice):
    """Transformer hum (magnetostriction) sits at twice the mains: 100 Hz names 50 Hz mains."""
    a, advice = _advise(voice + mains_hum(50.0, {2: -44.0}, voice.size, SR))
    assert a.hum.mains_hz == 50.0 and [ln.harmonic for ln in a.hum.lines] == [2]
    (s,) = _moves(advice, "dehum")
    assert harmonics(s.move) == [2] and "only its harmonics at 100 Hz" in s.why


@pytest.mark.parametrize("bass_hz", [55.0, 110.0, 49.0])
def test_a_bass_note_near_the_mains_is_not_hum(voice, bass_hz):
    """Clean control: a held bass note (with its partials) at A1, A2 or G1 under the voice."""
    t = np.arange(voice.size) / SR
    env = np.clip(np.sin(np.pi * (t % 2.0) / 2.0), 0, None)  # notes that swell and fade every 2 s
    bass = sum(0.2 / k * np.sin(2 * np.pi * k * bass_hz * t) for k in (1, 2, 3, 4)) * env
    a, advice = _advise(voice + bass, role="vocal")
    assert a.hum.mains_hz is None and not a.hum.lines
    assert not _moves(advice, "dehum", "notch")
    assert any(k.aspect == "hum" for k in advice.leave_alone)


def test_a_steady_drone_at_a_note_is_not_hum(voice):
    """Clean control: a constant organ-like drone on G1 (49.0 Hz) and A1 (55 Hz): steady, but off the mains."""
    t = np.arange(voice.size) / SR
    drone = sum(0.05 / k * np.sin(2 * np.pi * k * f * t) for f in (49.0, 55.0) for k in (1, 2, 3))
    a, advice = _advise(voice + drone)
    assert a.hum.mains_hz is None and not _moves(advice, "dehum", "notch")


def test_clean_voice_gets_no_hum_and_no_noise_move(voice):
    a, advice = _advise(voice)
    assert not a.hum.found and not a.noise.has_pauses and a.noise.silence_s >= 3.0
    assert not _moves(advice, "dehum", "notch", "gate", "noise_reduction")
    noise = next(k for k in advice.leave_alone if k.aspect == "noise")
    assert "digital silence" in noise.why


def test_hiss_in_the_pauses_is_measured_and_gated_between_floor_and_quietest_speech(voice):
    rng = np.random.default_rng(7)
    x = voice + 10 ** (-60 / 20) * rng.standard_normal(voice.size)
    a, advice = _advise(x)
    nr = a.noise
    assert nr.has_pauses and nr.shape == "hiss"
    assert nr.floor_dbfs == pytest.approx(-60.0, abs=0.5)
    assert nr.pause_s >= 3.0
    speech = 10 * np.log10(np.mean(voice[np.abs(voice) > 0] ** 2))
    assert nr.snr_db == pytest.approx(nr.active_dbfs - nr.floor_dbfs, abs=0.01)
    assert nr.active_dbfs == pytest.approx(speech, abs=3.0)
    assert nr.decay_ms is not None and nr.decay_ms <= 300
    (s,) = _moves(advice, "gate")
    assert nr.floor_dbfs + 5 <= s.move["threshold_db"] <= nr.quietest_active_dbfs - 3
    assert not _moves(advice, "noise_reduction")
    assert f"hiss at {nr.floor_dbfs:.1f} dBFS in the pauses" in s.why and f"SNR {nr.snr_db:.0f} dB" in s.why
    d = analysis_to_dict(a)
    assert d["noise"]["floor_dbfs"] == nr.floor_dbfs and d["noise"]["shape"] == "hiss"


def test_sustained_notes_with_hiss_get_noise_reduction_not_a_gate():
    """Notes that ring out for seconds into the floor: a gate would chop the tails."""
    t = np.arange(int(18 * SR)) / SR
    x = np.zeros(t.size)
    for i, f in enumerate((196.0, 262.0, 330.0, 247.0)):
        start = 0.5 + 4.0 * i
        tt = t - start
        on = tt >= 0
        note = sum(np.sin(2 * np.pi * k * f * tt) / k for k in (1, 2, 3)) * np.exp(-tt / 0.45)
        x[on] += 0.3 * note[on]
    x += 10 ** (-60 / 20) * np.random.default_rng(3).standard_normal(t.size)
    a, advice = _advise(x, role="keys")
    assert a.noise.has_pauses and a.noise.floor_dbfs == pytest.approx(-60.0, abs=1.0)
    assert a.noise.decay_ms is None or a.noise.decay_ms > 300
    (s,) = _moves(advice, "noise_reduction")
    assert not _moves(advice, "gate")
    assert s.move["profile_below_db"] > a.noise.floor_dbfs
    assert "gate would chop" in s.why


def test_a_quiet_floor_is_left_alone(voice):
    """Clean control: −95 dBFS of noise (dither) in the pauses is no problem."""
    x = voice + 10 ** (-95 / 20) * np.random.default_rng(1).standard_normal(voice.size)
    a, advice = _advise(x)
    assert a.noise.has_pauses and a.noise.floor_dbfs == pytest.approx(-95.0, abs=1.0)
    assert not _moves(advice, "gate", "noise_reduction")


def test_a_floor_that_is_the_hum_gets_the_dehum_not_a_gate(voice):
    x = voice + mains_hum(50.0, {1: -50.0, 2: -55.0, 3: -52.0}, voice.size, SR)
    a, advice = _advise(x)
    assert a.noise.shape == "hum"
    assert _moves(advice, "dehum") and not _moves(advice, "gate", "noise_reduction")


def test_hum_and_noise_meters_keep_bounded_state():
    """The meters accumulate (sums per bin, a few numbers per 46 ms frame), never the audio."""
    from analyzers.hum import HumMeter
    from analyzers.noise import NoiseMeter

    hm, nm = HumMeter(SR, 2), NoiseMeter(SR, 2)
    block = np.random.default_rng(0).standard_normal((2, SR)) * 0.1
    for _ in range(30):
        hm.process(block)
        nm.process(block)
    assert hm._pending.shape[1] < hm._n and nm._pending.shape[1] < nm._n
    assert hm._sum.nbytes < 64_000  # the low band only
    assert nm._rows.nbytes <= 4 * 11 * 2 * (30 * SR // nm._n)  # 11 float32 per frame (doubling growth)
