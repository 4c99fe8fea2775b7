"""Hum holds its level and its frequency; a drum's body and a note do not.

* One harmonic of the mains, clear of a mix (:data:`analyzers.hum.CLEAR_LINE_DB` over its
  floor, under :data:`analyzers.hum.CLEAR_LONE_DB`), with no other harmonic to support it,
  is hum when it is constant and holds its frequency over the whole file
  (:data:`analyzers.hum.SUPPORT_STEADY_DB`, :data:`analyzers.hum.WANDER_HZ`). The same mix
  without hum gets no hum move.
* A kick tuned to 50 Hz and played by hand (each hit up to 8 ms off the grid) makes a line
  at 50 Hz more than :data:`analyzers.hum.LONE_LINE_DB` over its floor, steady in level, but
  its peak wanders from frame to frame by more than :data:`analyzers.hum.WANDER_HZ`: no hum
  on its own. The same kick over 60 Hz hum is 60 Hz hum.
"""

from __future__ import annotations

import numpy as np
import pytest
from signals import mains_hum, pink_noise

from analyzers import analyze
from analyzers.context import make_context
from analyzers.hum import CLEAR_LINE_DB, CLEAR_LONE_DB, WANDER_HZ
from analyzers.suggest import suggest

RATE = 48000
SECONDS = 20.0
BASS_HZ = (41.2, 49.0, 55.0, 61.7, 73.4, 65.4, 55.0, 49.0)  # E1 G1 A1 B1 D2 C2 A1 G1


def _level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x**2)))


def _hum_moves(x: np.ndarray, role: str):
    a = analyze(x[None, :].astype(np.float32), RATE)
    advice = suggest(a, make_context(role_name=role))
    return a, [s for s in advice.suggestions if s.move.kind in ("dehum", "notch")]


@pytest.fixture(scope="module")
def mix() -> np.ndarray:
    """Pink noise at −24 dBFS and a bass line (six partials, a note every half second) at −30 dBFS."""
    rng = np.random.default_rng(4)
    bed = pink_noise(rng, SECONDS, RATE, channels=1, level_dbfs=-24.0)[0].astype(np.float64)
    n_note = RATE // 2
    t = np.arange(n_note) / RATE
    notes = [np.exp(-t / 0.3) * sum(np.sin(2 * np.pi * k * f * t + rng.uniform(0, 6.3)) / k for k in range(1, 7))
             for f in BASS_HZ * int(SECONDS / 0.5 / len(BASS_HZ))]  # fmt: skip
    bass = np.concatenate(notes)
    bass *= 10 ** (-30 / 20) / np.sqrt(np.mean(bass**2))
    return bed[: bass.size] + bass


def test_one_constant_harmonic_clear_of_a_mix_is_hum(mix):
    """50 Hz hum whose fundamental lies 30 dB under the mix (under the bass) and whose 5th
    harmonic, 27 dB under, stands 12–16 dB over the noise at 250 Hz: no other harmonic
    supports it, but it never moves."""
    level = _level_db(mix)
    a, moves = _hum_moves(mix + mains_hum(50.0, {1: level - 30, 5: level - 27}, mix.size, RATE), "mix")
    by_k = {ln.harmonic: ln for ln in a.hum.lines}
    assert a.hum.found and a.hum.mains_hz == 50.0, a.hum
    assert 5 in by_k and CLEAR_LINE_DB <= by_k[5].prominence_db < CLEAR_LONE_DB, a.hum.lines
    assert by_k[5].wander_hz <= WANDER_HZ, by_k[5]
    assert moves and moves[0].move.kind == "dehum" and abs(moves[0].move.params["freq_hz"] - 50.0) < 0.2, moves
    assert "50 Hz mains" in moves[0].why


def test_the_mix_without_hum_gets_no_hum_move(mix):
    a, moves = _hum_moves(mix, "mix")
    assert not a.hum.found and not moves, (a.hum, moves)


def _kick_by_hand(seed: int = 1) -> np.ndarray:
    """A kick tuned to 50 Hz (a sine sweeping down from 125 Hz, decaying over 0.4 s), a hit
    every half second, each up to 8 ms off the grid and up to 2 dB softer, mono float64."""
    rng = np.random.default_rng(seed)
    n = int(SECONDS * RATE)
    x = np.zeros(n + 2 * RATE)
    t = np.arange(int(1.5 * RATE)) / RATE
    sweep_hz = 50.0 * (1 + 1.5 * np.exp(-t / 0.02))
    hit = np.sin(2 * np.pi * np.cumsum(sweep_hz) / RATE) * np.exp(-t / 0.4)
    for i in range(int(SECONDS / 0.5)):
        start = int((i * 0.5 + 0.1 + rng.uniform(-0.008, 0.008)) * RATE)
        x[start : start + hit.size] += 10 ** (rng.uniform(-2, 0) / 20) * hit
    return 0.5 * x[:n] / np.abs(x[:n]).max()


def test_a_kick_on_50_hz_played_by_hand_is_not_hum():
    x = _kick_by_hand()
    a, moves = _hum_moves(x, "drums")
    assert not a.hum.found and not moves, (a.hum, moves)


def test_the_kick_over_60_hz_hum_is_60_hz_hum():
    x = _kick_by_hand()
    level = _level_db(x)
    a, moves = _hum_moves(x + mains_hum(60.0, {1: level - 25, 2: level - 28, 3: level - 30}, x.size, RATE), "drums")
    assert a.hum.found and a.hum.mains_hz == 60.0, a.hum
    assert moves and abs(moves[0].move.params["freq_hz"] - 60.0) < 0.2 and "60 Hz mains" in moves[0].why, moves


def test_a_clear_line_both_mains_share_is_told_not_named(mix):
    """The same line at 300 Hz, the 6th harmonic of 50 Hz and the 5th of 60 Hz: clear of the
    mix, constant and holding its frequency, but nothing says which mains. No hum move, and the
    leave-alone tells the engineer it is there (it used to say no line stood out at all)."""
    level = _level_db(mix)
    a, moves = _hum_moves(mix + mains_hum(50.0, {6: level - 27}, mix.size, RATE), "mix")
    assert not moves and a.hum.mains_hz is None, moves
    assert [round(ln.freq_hz) for ln in a.hum.undecided] == [300], a.hum.undecided
    advice = suggest(a, make_context(role_name="mix"))
    why = next(k.why for k in advice.leave_alone if k.aspect == "hum")
    assert "steady line at 300 Hz" in why and "50 and of 60 Hz alike" in why, why
    clean = analyze(mix[None, :].astype(np.float32), RATE)
    assert clean.hum.undecided == () and not clean.hum.found, clean.hum
