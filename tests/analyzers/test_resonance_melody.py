"""Resonances on an instrument whose notes move: a fixed bell is in every frame, the notes are not.

The instrument is synthesised here: harmonic tones (partials up to 16 kHz at 1/k, as a
sawtooth's) on a random melody from 110 to 440 Hz, each note plucked and decaying. Bells are
pedalboard's ``PeakFilter`` (an implementation independent of ours). Clean controls: the same
melody untouched, and a melody that keeps coming back to one note (its partials pile up in
the long-term spectrum, but are not there in three moments in four) — neither gets a cut.
"""

from __future__ import annotations

import math

import numpy as np
import pedalboard as pb
import pytest

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest
from analyzers.suggest.corrective import HELD_DB

RATE = 48000


def _melody(seed: int, *, seconds: float = 12.0, every: int = 0, home_hz: float = 330.0,
            home_gain: float = 3.0) -> np.ndarray:  # fmt: skip
    """Plucked harmonic notes (0.25–0.5 s, log-uniform 110–440 Hz); with ``every``, each
    ``every``-th note is ``home_hz``, ``home_gain`` times louder (mono float32)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros(n)
    start, j = 0, 0
    while start < n:
        length = min(int(0.35 * RATE * rng.uniform(0.7, 1.4)), n - start)
        home = every > 0 and j % every == 0
        f0 = home_hz if home else 110.0 * 4.0 ** rng.uniform()
        t = np.arange(length) / RATE
        k = np.arange(1, int(16000.0 / f0) + 1)[:, None]
        tone = (np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi, (k.size, 1))) / k).sum(axis=0)
        out[start : start + length] += (
            tone * np.minimum(1.0, t / 0.01) * np.exp(-t / 0.6) * (home_gain if home else 1.0)
        )
        start += length
        j += 1
    return (0.25 * out / np.abs(out).max())[None, :].astype(np.float32)


def _bell(x: np.ndarray, freq_hz: float, gain_db: float = 8.0, q: float = 2.0) -> np.ndarray:
    return pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=freq_hz, gain_db=gain_db, q=q)])(x, RATE)


def _cuts(advice):
    return [s for s in advice.suggestions if s.move.kind == "peak" and s.aspect.startswith("bump:")]


def _steady_at(analysis, freq_hz: float) -> float:
    f = np.array(analysis.steady.centres_hz)
    return float(np.max(np.array(analysis.steady.gain_db)[np.abs(np.log2(f / freq_hz)) <= 1 / 12]))


@pytest.mark.parametrize("seed", [5, 6])
def test_a_fixed_bell_on_a_melody_is_cut_within_a_sixth_of_an_octave_and_the_clean_melody_is_not(seed):
    ctx = make_context(role_name="synth")
    x = _melody(seed)
    clean = analyze(x, RATE)
    assert not _cuts(suggest(clean, ctx)), [s.why for s in _cuts(suggest(clean, ctx))]
    for freq_hz in (1200.0, 3000.0):
        bumped = analyze(_bell(x, freq_hz), RATE)
        # the frames read the bell: it lifts every frame by about its gain, whatever the note
        assert 6.0 <= _steady_at(bumped, freq_hz) - _steady_at(clean, freq_hz) <= 9.5, freq_hz
        cuts = _cuts(suggest(bumped, ctx))
        near = [s for s in cuts if abs(math.log2(s.move.params["freq_hz"] / freq_hz)) <= 1 / 6]
        assert near, (freq_hz, [s.move.describe() for s in cuts])
        assert near[0].move.params["gain_db"] <= -3.0, near[0].move.describe()
        assert len(cuts) == 1, [s.move.describe() for s in cuts]  # nothing else on the melody


@pytest.mark.parametrize("seed", [5, 6])
def test_a_note_that_comes_back_often_is_not_a_resonance(seed):
    # every fourth note is a loud 330 Hz: its partials pile up in the long-term spectrum
    # (before this rule: cuts near 330 and 660 Hz) but are missing in most moments
    ctx = make_context(role_name="synth")
    x = _melody(seed, every=4)
    a = analyze(x, RATE)
    advice = suggest(a, ctx)
    assert not _cuts(advice), [s.why for s in _cuts(advice)]
    why = next(k.why for k in advice.leave_alone if k.aspect == "resonances")
    assert "fewer than three moments in four" in why, why
    shown = float(why.split("a bell there stands ")[1].split(" dB")[0])
    assert shown < HELD_DB, why
    # a fixed bell on the same melody is still found, and nothing is cut at the home note
    cuts = _cuts(suggest(analyze(_bell(x, 1200.0), RATE), ctx))
    assert any(abs(math.log2(s.move.params["freq_hz"] / 1200.0)) <= 1 / 6 for s in cuts), [
        s.move.describe() for s in cuts
    ]
    assert all(abs(math.log2(s.move.params["freq_hz"] / 330.0)) > 1 / 6 for s in cuts), [
        s.move.describe() for s in cuts
    ]
