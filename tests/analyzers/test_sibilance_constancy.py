"""Sibilance that comes and goes gets a de-esser, a constant excess a static cut: the band
staying loud between the bursts is not enough (a narrowband voice's vowels fill it at
4.5 kHz); the voice's other fricatives must carry the esses' peak too (``peak_share``), as
they do when an EQ or a microphone put it into every sound. Voices from espeak-ng, the
boosts rendered with pedalboard."""

from __future__ import annotations

import math

import numpy as np
import pedalboard as pb
import pytest

from analyzers import analyze
from analyzers.sibilance import (
    CENTRES_HZ,
    CONSTANT_CONTRAST_DB,
    SHARED_PEAK_MIN,
    _peak_share,
)
from analyzers.suggest import suggest
from voices import RATE, speak

from tests.analyzers.sibilant import SIBILANT, VOCAL, narrowband, reading

def _bell(x: np.ndarray, centre_hz: float) -> np.ndarray:
    return pb.PeakFilter(cutoff_frequency_hz=centre_hz, gain_db=12.0, q=3.0)(x, RATE)


def _on_esses(x: np.ndarray, centre_hz: float) -> np.ndarray:
    """The same bell on the esses only (the meter's bursts, 20 ms wider, 5 ms cross-fades)."""
    w = np.zeros(x.shape[1])
    for a, b in reading(x).burst_times_s:
        w[max(0, int((a - 0.02) * RATE)) : int((b + 0.02) * RATE)] = 1.0
    w = np.convolve(w, np.ones(int(0.005 * RATE)) / int(0.005 * RATE), mode="same")
    return (x * (1 - w) + _bell(x, centre_hz) * w).astype(np.float32)


def _sibilance_moves(x: np.ndarray) -> list:
    adv = suggest(analyze(x, RATE), VOCAL)
    return [s for s in adv.suggestions if s.move.kind == "deesser" or s.aspect == "sibilance"]


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    return speak(SIBILANT)


@pytest.mark.parametrize(("band", "constant_hz", "esses_hz"), [("narrow", 4500.0, 4500.0), ("full", 6500.0, 7000.0)])
def test_a_constant_boost_gets_a_static_cut_the_same_boost_on_the_esses_a_deesser(voice, band, constant_hz, esses_hz):
    x = narrowband(voice) if band == "narrow" else voice
    # the clean control: as spoken, no sibilance move
    assert reading(x).peak_db < -16.0
    assert not _sibilance_moves(x)

    bright = _bell(x, constant_hz)
    r = reading(bright)
    assert r.sibilant and r.constant, r
    assert r.contrast_db < CONSTANT_CONTRAST_DB and r.peak_share >= SHARED_PEAK_MIN + 0.2, r
    moves = _sibilance_moves(bright)
    assert [m.move.kind for m in moves] == ["peak"], [m.id for m in moves]
    assert moves[0].move["gain_db"] < 0 and abs(math.log2(moves[0].move["freq_hz"] / constant_hz)) <= 1 / 6
    assert "constant" in moves[0].why and "fricatives" in moves[0].why

    loud = _on_esses(x, esses_hz)
    r = reading(loud)
    assert r.sibilant and not r.constant, r
    assert r.peak_share < SHARED_PEAK_MIN - 0.15, r
    if band == "narrow":
        # the vowels' upper formants fill the band between the esses: the contrast alone
        # reads a constant excess, the fricatives say it comes and goes
        assert r.contrast_db < CONSTANT_CONTRAST_DB, r
    moves = _sibilance_moves(loud)
    assert [m.move.kind for m in moves] == ["deesser"], [m.id for m in moves]
    assert abs(math.log2(moves[0].move["freq_hz"] / esses_hz)) <= 1 / 6
    if band == "narrow":
        assert "comes and goes, not a constant excess" in moves[0].why


def test_peak_share_reads_how_much_of_the_peak_is_shared():
    """On built spectra: a bump of 10 dB (a third of an octave wide) on a slope; the other
    spectrum on its own slope carries all, half or none of it (the slopes cancel)."""
    k = np.arange(CENTRES_HZ.size, dtype=np.float64)
    j = 16
    bump = 10.0 * np.exp(-0.5 * ((k - j) / 2.0) ** 2)
    bursts = -30.0 + 0.8 * (k - j) + bump
    for part in (1.0, 0.5, 0.0):
        others = -55.0 - 1.5 * (k - j) + part * bump
        share = _peak_share(bursts, others, j, 48000.0)
        # within 0.1: the third-of-an-octave smoothing averages power, not dB, so a bump on a
        # steeper slope comes out a little lower
        assert abs(share - part) <= 0.1, (part, share)
    # a narrowband voice's top (nothing within 30 dB of the loudest) a quarter of an octave
    # over the centre: its roll-off is no shape, and the share still orders all > half > none,
    # though it reads lower (the bump's upper half is gone): in doubt, a de-esser
    edge = np.where(k > j + 3, -130.0, 0.0)
    shares = [_peak_share(bursts + edge, -55.0 - 1.5 * (k - j) + part * bump + edge, j, 48000.0)
              for part in (1.0, 0.5, 0.0)]  # fmt: skip
    assert shares[0] > SHARED_PEAK_MIN and shares[0] > shares[1] > shares[2] and abs(shares[2]) <= 0.2, shares
