"""The repair moves rendered and measured: dehum/notch, gate, noise reduction.

The notches are checked against ``scipy.signal.freqz`` of ``scipy.signal.iirnotch`` (the
design) and by the attenuation measured on rendered tones; the gate and the noise
reduction by the levels measured in the pauses and in the speech of a rendered voice.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import freqz, iirnotch
from signals import mains_hum, voice_with_pauses

from analyzers import analyze
from analyzers.moves import Move, harmonic_mask, parse_move
from analyzers.spectrum import NOMINAL_CENTRES_HZ
from bridge.chain import chain_from_moves, load_chain, save_chain
from bridge.render import order_moves, render_chain, render_move

SR = 48000


def _tone_gain_db(move: Move, freq_hz: float, seconds: float = 4.0) -> float:
    """Measured gain of ``move`` on a steady tone (its last 2 s, after the notch settles)."""
    t = np.arange(int(seconds * SR)) / SR
    x = (0.1 * np.sin(2 * np.pi * freq_hz * t))[None, :].astype(np.float32)
    y = render_move(x, SR, move)
    tail = slice(int((seconds - 2) * SR), None)
    return 10 * np.log10(np.mean(y[0, tail].astype(np.float64) ** 2) / np.mean(x[0, tail].astype(np.float64) ** 2))


@pytest.mark.parametrize("offset_hz", [-20.0, -3.0, -1.0, -0.5, 0.5, 1.0, 3.0, 20.0])
def test_notch_matches_freqz_of_the_iirnotch_design(offset_hz):
    move = Move("notch", {"freq_hz": 120.0, "q": 30.0})
    b, a = iirnotch(120.0, 30.0, fs=SR)
    f = 120.0 + offset_hz
    _, h = freqz(b, a, worN=[f], fs=SR)
    assert _tone_gain_db(move, f) == pytest.approx(20 * np.log10(abs(h[0])), abs=0.05)


def test_dehum_notches_are_width_hz_wide_at_every_harmonic():
    move = Move("dehum", {"freq_hz": 50.0, "harmonic_mask": harmonic_mask([1, 3, 5]), "width_hz": 4.0})
    designs = [iirnotch(50.0 * k, 50.0 * k / 4.0, fs=SR) for k in (1, 3, 5)]

    def cascade_db(f):  # freqz of the three designed notches together
        return sum(20 * np.log10(abs(freqz(b, a, worN=[f], fs=SR)[1][0])) for b, a in designs)

    for k in (1, 3, 5):
        for side in (-2.0, 2.0):  # the −3 dB points of a 4 Hz-wide notch
            assert cascade_db(50.0 * k + side) == pytest.approx(-3.0, abs=0.15)
            assert _tone_gain_db(move, 50.0 * k + side) == pytest.approx(cascade_db(50.0 * k + side), abs=0.05)
    assert _tone_gain_db(move, 100.0) == pytest.approx(cascade_db(100.0), abs=0.05)  # the 2nd is not notched
    assert cascade_db(100.0) > -0.1


def test_dehum_removes_each_harmonic_and_leaves_the_music_band():
    rng = np.random.default_rng(4)
    n = 8 * SR
    music = rng.standard_normal(n) * 0.05
    levels = {1: -40.0, 2: -44.0, 3: -42.0, 5: -46.0}
    x = (music + mains_hum(50.0, levels, n, SR))[None, :].astype(np.float32)
    move = Move("dehum", {"freq_hz": 50.0, "harmonic_mask": harmonic_mask(levels), "width_hz": 2.0})
    y = render_move(x, SR, move)
    seg = slice(2 * SR, None)
    t = np.arange(n)[seg] / SR

    def line_db(sig, f):  # the tone's amplitude by correlation over 6 s
        return 20 * np.log10(abs(2 * np.mean(sig[0, seg] * np.exp(-2j * np.pi * f * t))))

    for k in levels:
        assert line_db(y, 50.0 * k) <= line_db(x, 50.0 * k) - 30.0, k
    before, after = analyze(x, SR).spectrum, analyze(y, SR).spectrum
    for fc, b, a in zip(NOMINAL_CENTRES_HZ, before.level_db, after.level_db):
        if 300 <= fc <= 5000:  # the music band: each 1/3 octave within 0.5 dB (absolute levels)
            assert (a + after.total_dbfs) - (b + before.total_dbfs) == pytest.approx(0.0, abs=0.5), fc


@pytest.fixture(scope="module")
def hissy_voice():
    voice = voice_with_pauses(["Take the red one to the kitchen.", "We will leave the house at noon.",
                               "Nobody knows the answer yet."], SR, pause_s=1.2)  # fmt: skip
    hiss = 10 ** (-60 / 20) * np.random.default_rng(9).standard_normal(voice.size)
    return voice, (voice + hiss)[None, :].astype(np.float32)


def _frames_db(x: np.ndarray, frame: int = 2048) -> np.ndarray:
    m = x.shape[-1] // frame
    p = (np.asarray(x, np.float64).reshape(-1)[: m * frame].reshape(m, frame) ** 2).mean(axis=1)
    return 10 * np.log10(np.maximum(p, 1e-30))


def _regions(voice: np.ndarray, frame: int = 2048):
    """Frames well inside the pauses (≥ 0.5 s from any speech) and frames of speech."""
    v = _frames_db(voice[None, :], frame)
    speech = v > -120
    near = np.convolve(speech.astype(float), np.ones(2 * int(0.5 * SR / frame) + 1), mode="same") > 0
    return ~near, v > -40


def _mean_db(levels: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(10 ** (levels / 10))))


def test_gate_lowers_the_pauses_by_its_range_and_leaves_the_speech(hissy_voice):
    voice, x = hissy_voice
    pauses, speech = _regions(voice)
    move = Move("gate", {"threshold_db": -53.0, "ratio": 6.0, "range_db": 20.0, "hold_ms": 80.0, "release_ms": 150.0})
    y = render_move(x, SR, move)
    dx, dy = _frames_db(x), _frames_db(y)
    assert _mean_db(dy[pauses]) - _mean_db(dx[pauses]) == pytest.approx(-20.0, abs=0.5)
    assert _mean_db(dy[speech]) - _mean_db(dx[speech]) == pytest.approx(0.0, abs=0.5)
    assert analyze(y, SR).noise.floor_dbfs == pytest.approx(-80.0, abs=1.0)  # what the suggestion predicts


def test_gate_range_zero_changes_nothing(hissy_voice):
    _, x = hissy_voice
    y = render_move(x, SR, Move("gate", {"threshold_db": -53.0, "range_db": 0.0}))
    np.testing.assert_allclose(y, x, atol=1e-7)


def test_noise_reduction_lowers_the_pauses_and_keeps_the_speech(hissy_voice):
    voice, x = hissy_voice
    pauses, speech = _regions(voice)
    y = render_move(x, SR, Move("noise_reduction", {"reduction_db": 12.0, "profile_below_db": -56.0}))
    assert y.shape == x.shape and y.dtype == np.float32
    dx, dy = _frames_db(x), _frames_db(y)
    assert _mean_db(dy[pauses]) - _mean_db(dx[pauses]) == pytest.approx(-12.0, abs=1.0)
    assert _mean_db(dy[speech]) - _mean_db(dx[speech]) == pytest.approx(0.0, abs=0.5)


def test_repair_moves_round_trip_and_order_in_a_chain(tmp_path):
    moves = [parse_move("compressor threshold_db=-18 ratio=3"), parse_move("gate threshold_db=-50"),
             parse_move("dehum freq_hz=60 harmonic_mask=5"), parse_move("noise_reduction profile_below_db=-55"),
             parse_move("highpass freq_hz=80")]  # fmt: skip
    assert [m.kind for m in order_moves(moves)] == ["dehum", "highpass", "noise_reduction", "gate", "compressor"]
    path = save_chain(chain_from_moves(moves), tmp_path / "repair.json")
    assert load_chain(path).moves == chain_from_moves(moves).moves
    x = (0.1 * np.sin(2 * np.pi * 1000 * np.arange(SR) / SR))[None, :].astype(np.float32)
    assert render_chain(x, SR, moves).shape == x.shape


@pytest.mark.parametrize(("text", "message"), [
    ("dehum freq_hz=50 harmonic_mask=0", "harmonic_mask"),
    ("dehum freq_hz=80 harmonic_mask=1", "freq_hz"),
    ("gate threshold_db=-50 range_db=90", "range_db"),
    ("noise_reduction reduction_db=12", "needs profile_below_db"),
])  # fmt: skip
def test_repair_moves_validate_their_units(text, message):
    from analyzers.errors import ParameterError

    with pytest.raises(ParameterError, match=message):
        parse_move(text)
