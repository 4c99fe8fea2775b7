"""Hum in a dense mix: the bass hides the lowest harmonics, one higher harmonic shows.

A bass line (E1…A1 and their partials, changing every half second) over pink noise covers
50–150 Hz; hum planted 30 dB under the mix at 50 Hz, with its 4th harmonic 28 dB under and
its 5th 22 dB under, shows only at 250 Hz clearly, with a constant 200 Hz line beside it
(:data:`analyzers.hum.CLEAR_LINE_DB`, :data:`analyzers.hum.SUPPORT_LINE_DB`). The same mix
without hum, and with a lead whose partials come and go near 250 Hz, gets no hum move.
"""

from __future__ import annotations

import numpy as np
import pytest
from signals import mains_hum, pink_noise

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest

RATE = 48000
SECONDS = 20.0
BASS_HZ = (41.2, 49.0, 55.0, 61.7, 73.4, 65.4, 55.0, 49.0)  # E1 G1 A1 B1 D2 C2 A1 G1


def _notes(freqs_hz, note_s: float, partials: int, level_dbfs: float, seed: int) -> np.ndarray:
    """A line of notes (sawtooth-like partials with a decaying envelope), mono float64."""
    n_note = int(note_s * RATE)
    t = np.arange(n_note) / RATE
    env = np.exp(-t / (0.6 * note_s))
    rng = np.random.default_rng(seed)
    out = []
    for i in range(int(SECONDS / note_s)):
        f = freqs_hz[i % len(freqs_hz)]
        out.append(env * sum(np.sin(2 * np.pi * k * f * t + rng.uniform(0, 6.3)) / k for k in range(1, partials + 1)))
    x = np.concatenate(out)
    return x * 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x**2))


@pytest.fixture(scope="module")
def mix() -> np.ndarray:
    rng = np.random.default_rng(4)
    bed = pink_noise(rng, SECONDS, RATE, channels=1, level_dbfs=-24.0)[0].astype(np.float64)
    bass = _notes(BASS_HZ, 0.5, 6, -18.0, 1)
    x = bed[: bass.size] + bass
    return x


def _level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x**2)))


def _hum_moves(x: np.ndarray):
    a = analyze(x[None, :].astype(np.float32), RATE)
    advice = suggest(a, make_context(role_name="mix"))
    return a, [s for s in advice.suggestions if s.move.kind in ("dehum", "notch")]


def test_hum_whose_low_harmonics_the_bass_hides_is_found_by_a_clear_harmonic(mix):
    level = _level_db(mix)
    hum = mains_hum(50.0, {1: level - 30, 4: level - 28, 5: level - 22}, mix.size, RATE)
    a, moves = _hum_moves(mix + hum)
    by_k = {ln.harmonic: ln for ln in a.hum.lines}
    assert a.hum.found and a.hum.mains_hz == 50.0, a.hum
    assert 5 in by_k and by_k[5].prominence_db >= 12.0, a.hum.lines
    assert moves and moves[0].move.kind == "dehum" and abs(moves[0].move.params["freq_hz"] - 50.0) < 0.2, moves
    assert "50 Hz mains" in moves[0].why
    mask = int(moves[0].move.params["harmonic_mask"])
    assert mask >> 4 & 1 and mask >> 3 & 1, mask  # the 5th and the constant 4th are notched


def test_the_same_mix_without_hum_gets_no_hum_move(mix):
    a, moves = _hum_moves(mix)
    assert not a.hum.found and not moves, (a.hum, moves)


def test_a_lead_whose_partials_come_and_go_near_the_mains_harmonics_is_not_hum(mix):
    """A lead on B3/C4/A3 (246.9, 261.6, 220 Hz) with a note held on 250 Hz now and then: lines
    near the 5th harmonic of 50 Hz, but they come and go."""
    lead = _notes((246.9, 261.6, 220.0, 250.0), 1.0, 4, -22.0, 2)
    a, moves = _hum_moves(mix + lead[: mix.size])
    assert not a.hum.found and not moves, (a.hum, moves)
