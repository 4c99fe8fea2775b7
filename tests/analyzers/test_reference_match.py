"""A reference that is the same source is matched closely: bells at their own centre, not on
the 1/3-octave grid; another song as reference gets only the broad nudge."""

from __future__ import annotations

import math

import numpy as np
import pedalboard as pb
import pytest
from signals import drum_loop, pink_noise

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest
from analyzers.suggest.matching import SAME_SOURCE_R, match

RATE = 48000


def _song(fundamental_hz: float, seed: int) -> np.ndarray:
    """A mix stand-in: pink noise, a drum loop and a chord of harmonic tones (the fine
    spectrum's own peaks, which a same-source reference shares and another song does not)."""
    rng = np.random.default_rng(seed)
    n = 20 * RATE
    t = np.arange(n) / RATE
    x = pink_noise(rng, 20.0, RATE, level_dbfs=-30.0) + 0.5 * drum_loop(rng, 20.0, RATE)
    for ratio in (1.0, 1.25, 1.5):
        f0 = fundamental_hz * ratio
        for k in range(1, int(8000 / f0)):
            x += (0.05 / k) * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi))
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def _eq(x: np.ndarray, *filters) -> np.ndarray:
    return pb.Pedalboard(list(filters))(x, RATE)


@pytest.fixture(scope="module")
def song():
    x = _song(110.0, 1)
    return x, analyze(x, RATE)


def _matches(advice):
    return [s for s in advice.suggestions if s.id.startswith("match-")]


@pytest.mark.parametrize("freq_hz, gain_db", [(560.0, 6.0), (2240.0, -6.0)])
def test_a_bell_against_the_clean_version_is_undone_at_its_own_centre(song, freq_hz, gain_db):
    # 560 Hz and 2.24 kHz lie half-way between 1/3-octave centres: the broad fit could come
    # no nearer than 1/6 octave
    x, clean = song
    damaged = _eq(x, pb.PeakFilter(cutoff_frequency_hz=freq_hz, gain_db=gain_db, q=1.4))
    advice = suggest(analyze(damaged, RATE), make_context(role_name="mix", reference=clean, reference_name="clean"))
    found = _matches(advice)
    assert len(found) == 1, [s.why for s in advice.suggestions]
    p = found[0].move.params
    assert abs(math.log2(p["freq_hz"] / freq_hz)) <= 1 / 24, p
    assert abs(p["gain_db"] + gain_db) <= 0.7 and 1.0 <= p["q"] <= 2.0, p
    assert "same source" in found[0].why
    # no broad move answers the same region a second time
    near = [s for s in advice.suggestions if s.move.kind == "peak" and not s.id.startswith("match-")
            and abs(math.log2(s.move.params["freq_hz"] / freq_hz)) <= 1]  # fmt: skip
    assert not near, [s.why for s in near]
    # rendered, the 1/3-octave bands come back to the clean version's
    fixed = analyze(_eq(damaged, pb.PeakFilter(cutoff_frequency_hz=p["freq_hz"], gain_db=p["gain_db"], q=p["q"])), RATE)
    bands = [j for j, f in enumerate(clean.spectrum.centres_hz) if 100 <= f <= 10000]
    before = max(abs(damaged_level - c) for damaged_level, c in zip(
        [analyze(damaged, RATE).spectrum.level_db[j] for j in bands], [clean.spectrum.level_db[j] for j in bands]))  # fmt: skip
    after = max(abs(fixed.spectrum.level_db[j] - clean.spectrum.level_db[j]) for j in bands)
    assert before >= 4.0 and after <= 0.5, (before, after)


def test_the_same_file_as_reference_gets_no_move_and_says_it_is_the_same_source(song):
    _, clean = song
    advice = suggest(clean, make_context(role_name="mix", reference=clean, reference_name="itself"))
    eq = [s for s in advice.suggestions if s.move.kind in ("peak", "low_shelf", "high_shelf")]
    assert not eq, [s.why for s in eq]
    why = next(k.why for k in advice.leave_alone if k.aspect == "tonal_balance")
    assert "same source" in why and "no bell-shaped difference" in why, why


def test_another_song_as_reference_is_not_matched_bell_for_bell(song):
    # a different chord and other drums: the fine shapes do not correlate, so its peaks are
    # the arrangement's, and only the broad balance is nudged
    x, clean = song
    other = analyze(_song(147.0, 2), RATE)
    m = match(clean, other)
    assert m is not None and m.r < SAME_SOURCE_R and not m.bells, m
    damaged = _eq(x, pb.PeakFilter(cutoff_frequency_hz=560.0, gain_db=6.0, q=1.4))
    advice = suggest(analyze(damaged, RATE), make_context(role_name="mix", reference=other, reference_name="other"))
    assert not _matches(advice), [s.why for s in _matches(advice)]


def test_a_low_passed_take_is_no_bell_at_its_knee(song):
    # a roll-off is no bell: the fine fit leaves it to the broad balance, never a boost
    # at the knee that the misfit rule would let through
    x, clean = song
    dull = _eq(x, pb.LowpassFilter(cutoff_frequency_hz=3000.0))
    advice = suggest(analyze(dull, RATE), make_context(role_name="mix", reference=clean, reference_name="clean"))
    assert not _matches(advice), [s.why for s in _matches(advice)]


def test_a_clean_version_at_another_rate_is_still_the_same_source(song):
    # the clean bounce at 44.1 kHz: the fine spectra share their points up to the lower rate's top
    from scipy.signal import resample_poly

    x, _ = song
    ref = analyze(resample_poly(x, 147, 160, axis=1).astype(np.float32), 44100)
    damaged = _eq(x, pb.PeakFilter(cutoff_frequency_hz=560.0, gain_db=6.0, q=1.4))
    advice = suggest(analyze(damaged, RATE), make_context(role_name="mix", reference=ref, reference_name="44.1k"))
    found = _matches(advice)
    # (its pure tones fall between other bins at 44.1 kHz: a few lone points differ, which are passed over)
    assert len(found) == 1 and abs(math.log2(found[0].move.params["freq_hz"] / 560.0)) <= 1 / 12, found
