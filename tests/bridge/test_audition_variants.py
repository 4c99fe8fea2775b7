"""Solo and bypass of one move, measured on the rendered audio.

The transfer function of each side is estimated from the render (cross-spectrum over
auto-spectrum, scipy's Welch estimates) and compared with the move's biquads evaluated by
scipy's ``freqz`` — an implementation independent of the renderer (pedalboard).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import csd, freqz, welch

from analyzers import analyze
from analyzers.eq_response import biquad_coefficients
from analyzers.moves import Move
from bridge.audition import AuditionError, audition, audition_variants
from bridge.session import Session, SessionError

RATE = 48000.0
PEAK = Move("peak", {"freq_hz": 1000.0, "gain_db": 6.0, "q": 1.0})
SHELF = Move("high_shelf", {"freq_hz": 6000.0, "gain_db": -5.0, "q": 0.7})
COMP = Move("compressor", {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 80.0, "makeup_db": 0.0})


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    rng = np.random.default_rng(7)
    return (0.1 * rng.standard_normal((2, int(8 * RATE)))).astype(np.float32)


def _session(noise: np.ndarray, moves: list[Move]) -> Session:
    s = Session(noise, RATE, "noise")
    s.add_moves(moves, label="test")
    return s


def _measured_db(x: np.ndarray, y: np.ndarray, gain_db: float, f_hz: np.ndarray) -> np.ndarray:
    """|H| in dB of x → y (channel 0), the side's matching gain taken back out."""
    f, pxy = csd(x[0], y[0], fs=RATE, nperseg=8192)
    _, pxx = welch(x[0], fs=RATE, nperseg=8192)
    return np.interp(f_hz, f, 20 * np.log10(np.abs(pxy / pxx))) - gain_db


def _freqz_db(moves: list[Move], f_hz: np.ndarray) -> np.ndarray:
    total = np.zeros_like(f_hz)
    for m in moves:
        for b, a in biquad_coefficients(m, RATE):
            total += 20 * np.log10(np.abs(freqz(b, a, worN=f_hz, fs=RATE)[1]))
    return total


F_HZ = np.geomspace(60, 16000, 40)


def test_solo_is_that_moves_response_alone_and_bypass_is_the_chain_without_it(noise):
    s = _session(noise, [PEAK, SHELF])
    r = s.audition_move("preset-1")
    assert r.side_names == ("a", "b", "solo", "bypass")
    solo = _measured_db(noise, r.side("solo"), r.side_gain_db["solo"], F_HZ)
    bypass = _measured_db(noise, r.side("bypass"), r.side_gain_db["bypass"], F_HZ)
    both = _measured_db(noise, r.b, r.gain_b_db, F_HZ)
    assert np.abs(solo - _freqz_db([PEAK], F_HZ)).max() < 0.3  # the peak, and no shelf
    assert np.abs(bypass - _freqz_db([SHELF], F_HZ)).max() < 0.3  # the shelf, and no peak
    assert np.abs(both - _freqz_db([PEAK, SHELF], F_HZ)).max() < 0.3
    assert solo[np.argmin(np.abs(F_HZ - 1000))] > 5.5 and abs(solo[-1]) < 0.3  # +6 dB at 1 kHz, flat at 16 kHz


def test_solo_of_an_eq_move_leaves_the_compressor_out(noise):
    """The control for "nothing else": with a compressor in the chain, B is not a linear
    filter (its estimate strays from the EQ's response) while the solo is exactly the EQ."""
    s = _session(noise, [PEAK, COMP])
    r = s.audition_move("preset-1")
    solo = _measured_db(noise, r.side("solo"), r.side_gain_db["solo"], F_HZ)
    b = _measured_db(noise, r.b, r.gain_b_db, F_HZ)
    assert np.abs(solo - _freqz_db([PEAK], F_HZ)).max() < 0.3
    assert np.abs(b - _freqz_db([PEAK], F_HZ)).max() > 1.0  # the compressor is in B
    # bypass = the compressor alone: quieter than the original (noise ~10 dB over the
    # threshold, ratio 4), and no 1 kHz bump in its shape
    assert r.side_lufs["bypass"] < r.a_lufs - 3
    bypass = _measured_db(noise, r.side("bypass"), r.side_gain_db["bypass"], np.array([100.0, 1000.0, 10000.0]))
    assert abs(bypass[1] - bypass[0]) < 0.5 and abs(bypass[2] - bypass[0]) < 0.5


def test_every_side_is_matched_to_the_quietest(noise):
    s = _session(noise, [PEAK, SHELF])
    r = s.audition_move("preset-2", (1.0, 6.0))
    measured = {k: analyze(r.side(k), RATE).loudness.integrated_lufs for k in r.side_names}
    before = {"a": r.a_lufs, "b": r.b_lufs, **r.side_lufs}
    assert max(measured.values()) - min(measured.values()) < 0.1
    assert abs(min(measured.values()) - min(before.values())) < 0.1  # turned down, never up
    assert all(g <= 0 for g in (r.gain_a_db, r.gain_b_db, *r.side_gain_db.values()))
    assert r.a.shape == r.side("solo").shape == r.side("bypass").shape == (2, int(5 * RATE))


def test_without_variants_it_is_the_ab(noise):
    slots = [PEAK]
    plain, more = audition(noise, RATE, slots), audition_variants(noise, RATE, slots, {})
    assert np.array_equal(plain.b, more.b) and plain.gain_a_db == more.gain_a_db and plain.gain_b_db == more.gain_b_db
    assert plain.gain_a_db == 0.0 and plain.gain_b_db < 0  # B (+6 dB at 1 kHz) is louder: B turned down
    with pytest.raises(AuditionError, match="cannot be called"):
        audition_variants(noise, RATE, slots, {"b": []})


def test_bypass_of_the_only_move_is_the_original_and_a_pending_move_can_be_soloed(noise):
    s = Session(noise, RATE, "noise")
    s.add_moves([PEAK], label="test")
    s.reject("preset-1")  # rejected: not in B, still heard alone
    r = s.audition_move("preset-1")
    assert np.array_equal(r.b / 10 ** (r.gain_b_db / 20), noise)  # nothing chosen: B is the original
    assert np.allclose(r.side("bypass"), r.a, atol=1e-6)
    assert np.abs(_measured_db(noise, r.side("solo"), r.side_gain_db["solo"], F_HZ) - _freqz_db([PEAK], F_HZ)).max() < 0.3
    with pytest.raises(SessionError, match="no suggestion"):
        s.audition_move("nope")


def test_pedalboard_renders_in_chunks_with_the_same_samples_as_one_call(noise):
    """The chunked render (the GIL is let go between chunks) against pedalboard called once."""
    import pedalboard as pb

    from bridge.render import PB_CHUNK_FRAMES, render_in_order

    x = np.tile(noise, (1, 3))  # 24 s: several chunks, the last one short
    assert x.shape[1] > 3 * PB_CHUNK_FRAMES and x.shape[1] % PB_CHUNK_FRAMES
    moves = [PEAK, SHELF, COMP]
    whole = pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=1000.0, gain_db=6.0, q=1.0),
                           pb.HighShelfFilter(cutoff_frequency_hz=6000.0, gain_db=-5.0, q=0.7),
                           pb.Compressor(threshold_db=-30.0, ratio=4.0, attack_ms=5.0, release_ms=80.0)])  # fmt: skip
    assert np.array_equal(render_in_order(x, RATE, moves), whole(x, RATE))
