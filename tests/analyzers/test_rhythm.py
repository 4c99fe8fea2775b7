"""Tempo, its confidence and transient density: known-answer tests on rhythms made here.

Every pattern is placed on the sample grid at a known tempo: plain beats, accents on the
bar, a 3+3+2 (tresillo) kick under straight hi-hats (the 2/3 confusion: a period of one and
a half beats repeats too), triplet hi-hats, swung eighths, and a pad with no beat at all.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analyzers import Analyzer, analyze
from analyzers.context import make_context
from analyzers.rhythm import MAX_BPM, MIN_BPM, TEMPO_CONFIDENT
from analyzers.suggest.dynamics import compressor_times
from bridge.demo import demo_mix, drum_sounds

RATE = 48000


def pattern(bpm: float, seconds: float, rng, hits: dict[str, list[tuple[float, float]]], *, bar_beats: int = 4):
    """Drum hits repeated every bar: ``hits[sound]`` lists (beat position in the bar, gain)."""
    n = int(seconds * RATE)
    out = 0.002 * rng.standard_normal((2, n))
    kick, snare, hat = drum_sounds(rng, RATE)
    sounds = {"kick": kick, "snare": snare, "hat": hat}
    beat_s = 60.0 / bpm
    for bar in range(int(seconds / (bar_beats * beat_s)) + 1):
        for name, places in hits.items():
            for pos, gain in places:
                i = int(round((bar * bar_beats + pos) * beat_s * RATE))
                if i >= n:
                    continue
                s = sounds[name]
                j = min(n, i + s.size)
                out[:, i:j] += gain * s[: j - i]
    return out.astype(np.float32)


def click_track(bpm: float, seconds: float, rng, *, accent_every: int = 1) -> np.ndarray:
    """Kick hits on every beat (stronger every ``accent_every`` beats) over quiet noise."""
    beats = [(b, 0.8 if b % accent_every == 0 else 0.4) for b in range(accent_every)]
    return pattern(bpm, seconds, rng, {"kick": beats}, bar_beats=accent_every)


def within_octave(est: float | None, bpm: float) -> bool:
    return est is not None and any(abs(est - bpm * f) <= 0.04 * bpm * f for f in (1.0, 0.5, 2.0))


@pytest.mark.parametrize("bpm", [72.0, 96.0, 120.0, 140.0, 150.0])
def test_tempo_of_a_click_track(bpm, rng):
    a = analyze(click_track(bpm, 20.0, rng), RATE)
    assert a.tempo_bpm == pytest.approx(bpm, rel=0.02)
    assert a.tempo_confidence > 0.4  # a pad or noise stays under 0.15
    assert a.onsets_per_s == pytest.approx(bpm / 60.0, rel=0.1)


@pytest.mark.parametrize("bpm", [174.0, 200.0])
def test_fast_tempi_are_read_within_an_octave_and_inside_the_range(bpm, rng):
    a = analyze(click_track(bpm, 20.0, rng), RATE)
    assert within_octave(a.tempo_bpm, bpm)
    assert MIN_BPM <= a.tempo_bpm <= MAX_BPM


def test_accented_bars_still_give_the_beat(rng):
    # every fourth hit louder: the bar repeats at 30 BPM, the beat at 120
    a = analyze(click_track(120.0, 20.0, rng, accent_every=4), RATE)
    assert a.tempo_bpm == pytest.approx(120.0, rel=0.02)


@pytest.mark.parametrize("bpm", [100.0, 128.0, 140.0])
def test_tresillo_kick_is_not_read_at_two_thirds(bpm, rng):
    # kick on 1, the "and" of 2 and 4 (3+3+2 eighths), snare on 2 and 4, hats on eighths:
    # a period of 1.5 beats also repeats; the old single-peak estimator read 2/3 of the tempo
    hits = {
        "kick": [(0.0, 0.9), (1.5, 0.9), (3.0, 0.9)],
        "snare": [(1.0, 0.5), (3.0, 0.5)],
        "hat": [(k / 2, 0.25) for k in range(8)],
    }
    a = analyze(pattern(bpm, 24.0, rng, hits), RATE)
    assert a.tempo_bpm == pytest.approx(bpm, rel=0.02)


def test_triplet_hats_over_a_straight_beat_give_the_beat(rng):
    # three hats a beat, kick on every beat: the hats' period is a third of the beat
    hits = {"kick": [(b, 0.9) for b in range(4)], "hat": [(k / 3, 0.3) for k in range(12)]}
    a = analyze(pattern(110.0, 24.0, rng, hits), RATE)
    assert a.tempo_bpm == pytest.approx(110.0, rel=0.02)


def test_swung_eighths_keep_the_beat(rng):
    # hats on the beat and two thirds of the way through it (swing), kick and snare on beats
    hits = {
        "kick": [(0.0, 0.9), (2.0, 0.9)],
        "snare": [(1.0, 0.6), (3.0, 0.6)],
        "hat": [(b + t, 0.3) for b in range(4) for t in (0.0, 2 / 3)],
    }
    a = analyze(pattern(124.0, 24.0, rng, hits), RATE)
    assert a.tempo_bpm == pytest.approx(124.0, rel=0.02)


def test_the_demo_is_at_120_bpm():
    a = analyze(demo_mix(), RATE)
    assert a.tempo_bpm == pytest.approx(120.0, rel=0.02)
    assert a.tempo_confidence >= TEMPO_CONFIDENT


def pad(seconds: float, rng) -> np.ndarray:
    """A sustained chord, swelling and fading slowly, its notes changing at irregular times."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    changes = np.cumsum(rng.uniform(1.7, 4.1, size=int(seconds)))  # no common period
    root = 110.0 * 2 ** (rng.integers(0, 7, size=changes.size + 1) / 12)
    f0 = root[np.searchsorted(changes, t)]
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    chord = sum(np.sin(phase * r + k) for k, r in enumerate((1.0, 1.25, 1.5, 2.0)))
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * 0.13 * t) ** 2
    x = 0.08 * chord * swell + 0.003 * rng.standard_normal(n)
    return np.stack([x, np.roll(x, 200)]).astype(np.float32)


def test_a_pad_has_no_steady_beat(rng):
    a = analyze(pad(30.0, rng), RATE)
    assert a.tempo_confidence < TEMPO_CONFIDENT
    assert a.tempo_bpm is None


def test_noise_has_no_steady_beat(rng):
    noise = (0.1 * rng.standard_normal((2, 10 * RATE))).astype(np.float32)
    a = analyze(noise, RATE)
    assert a.tempo_bpm is None
    assert a.tempo_confidence < TEMPO_CONFIDENT
    assert a.onsets_per_s < 0.5


def test_short_audio_has_no_tempo(rng):
    a = analyze(click_track(120.0, 2.0, rng), RATE)
    assert a.tempo_bpm is None
    assert a.tempo_confidence == 0.0


def test_streaming_in_odd_blocks_gives_the_same_tempo(rng):
    x = pattern(128.0, 30.0, rng, {"kick": [(b, 0.9) for b in range(4)], "hat": [(b + 0.5, 0.3) for b in range(4)]})
    whole = analyze(x, RATE)
    an = Analyzer(RATE, 2, chunk_samples=12345)
    for i in range(0, x.shape[1], 7001):
        an.push(x[:, i : i + 7001])
    streamed = an.finish()
    assert whole.tempo_bpm == pytest.approx(128.0, rel=0.02)
    assert streamed.tempo_bpm == pytest.approx(whole.tempo_bpm, abs=0.05)
    assert streamed.tempo_confidence == pytest.approx(whole.tempo_confidence, abs=0.01)


def test_release_follows_the_tempo_for_bus_glue():
    a = analyze(demo_mix(), RATE)
    attack, release, how = compressor_times(a.levels.crest_db, make_context(role_name="mix"), a)
    assert release == pytest.approx(60000 / 120 * 0.5, abs=5)  # an eighth note at 120 BPM
    assert "120 BPM" in how


def test_release_is_not_timed_by_an_unsure_tempo():
    # the same measurement with a tempo nobody is sure of: the release comes from the
    # crest factor, as for a song with no tempo at all, and the reason says why
    a = analyze(demo_mix(), RATE)
    ctx = make_context(role_name="mix")
    unsure = dataclasses.replace(a, tempo_confidence=0.1)
    none = dataclasses.replace(a, tempo_bpm=None, tempo_confidence=0.0)
    _, release_unsure, how_unsure = compressor_times(a.levels.crest_db, ctx, unsure)
    _, release_none, how_none = compressor_times(a.levels.crest_db, ctx, none)
    _, release_sure, _ = compressor_times(a.levels.crest_db, ctx, a)
    assert release_unsure == release_none != release_sure
    assert "BPM" not in how_none and "no beat clear enough" in how_none
    assert "not sure" in how_unsure and "0.10" in how_unsure


def test_a_pad_gets_a_release_from_its_crest_factor(rng):
    a = analyze(pad(30.0, rng), RATE)
    _, _, how = compressor_times(a.levels.crest_db, make_context(role_name="mix"), a)
    assert "times from the crest factor" in how and "not from the tempo (no beat clear enough" in how


@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (8000, 1), (96000, 6)])
def test_tempo_at_other_rates_and_channel_counts(rate, channels, rng):
    kick, _, _ = drum_sounds(rng, rate)
    n = 20 * rate
    x = 0.001 * rng.standard_normal((channels, n))
    for b in range(int(20 * 128 / 60)):
        i = int(b * 60 / 128 * rate)
        j = min(n, i + kick.size)
        x[:, i:j] += 0.8 * kick[: j - i]
    a = analyze(x.astype(np.float32), rate)
    assert a.tempo_bpm == pytest.approx(128.0, rel=0.02)
    assert a.tempo_confidence >= TEMPO_CONFIDENT
