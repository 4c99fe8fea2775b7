"""Tempo and transient density: known-answer tests on generated rhythms."""

from __future__ import annotations

import numpy as np
import pytest

from analyzers import analyze
from bridge.demo import demo_mix, drum_sounds

RATE = 48000


def click_track(bpm: float, seconds: float, rng, *, accent_every: int = 1) -> np.ndarray:
    """Kick hits on every beat (stronger every ``accent_every`` beats) over quiet noise."""
    n = int(seconds * RATE)
    out = 0.002 * rng.standard_normal((2, n))
    kick, _, _ = drum_sounds(rng, RATE)
    period = 60.0 / bpm
    for b in range(int(seconds / period)):
        i = int(b * period * RATE)
        j = min(n, i + kick.size)
        gain = 0.8 if b % accent_every == 0 else 0.4
        out[:, i:j] += gain * kick[: j - i]
    return out.astype(np.float32)


@pytest.mark.parametrize("bpm", [72.0, 96.0, 120.0, 140.0, 150.0])
def test_tempo_of_a_click_track(bpm, rng):
    a = analyze(click_track(bpm, 20.0, rng), RATE)
    assert a.tempo_bpm == pytest.approx(bpm, rel=0.02)
    assert a.onsets_per_s == pytest.approx(bpm / 60.0, rel=0.1)


def test_accented_bars_still_give_the_beat(rng):
    # every fourth hit louder: the bar repeats at 30 BPM, the beat at 120
    a = analyze(click_track(120.0, 20.0, rng, accent_every=4), RATE)
    assert a.tempo_bpm == pytest.approx(120.0, rel=0.02)


def test_the_demo_is_at_120_bpm():
    assert analyze(demo_mix(), RATE).tempo_bpm == pytest.approx(120.0, rel=0.02)


def test_no_beat_no_tempo(rng):
    noise = (0.1 * rng.standard_normal((2, 10 * RATE))).astype(np.float32)
    a = analyze(noise, RATE)
    assert a.tempo_bpm is None
    assert a.onsets_per_s < 0.5


def test_short_audio_has_no_tempo(rng):
    a = analyze(click_track(120.0, 2.0, rng), RATE)
    assert a.tempo_bpm is None


def test_release_follows_the_tempo_for_bus_glue():
    from analyzers.context import make_context
    from analyzers.suggest.dynamics import compressor_times

    a = analyze(demo_mix(), RATE)
    attack, release, how = compressor_times(a.levels.crest_db, make_context(role_name="mix"), a)
    assert release == pytest.approx(60000 / 120 * 0.5, abs=5)  # an eighth note at 120 BPM
    assert "120 BPM" in how
