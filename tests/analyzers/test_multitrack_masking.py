"""Masking between synthetic stems (analyzers/suggest/masking.py): critical bands, the MPEG-1
spreading function, and complementary cuts on the tracks that mask the focus."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import lfilter

from analyzers.eq_response import biquad_coefficients
from analyzers.suggest.masking import BARK_CENTRES_HZ, masking, masking_margin_db, spreading_db
from tests.analyzers.stemtracks import RATE, N, band_noise


def test_spreading_function_values():
    # ISO/IEC 11172-3 / Johnston: 0 dB at the masker, shallower upwards than downwards
    assert spreading_db(0.0) == pytest.approx(0.0, abs=0.01)
    assert spreading_db(1.0) == pytest.approx(-4.31, abs=0.01)
    assert spreading_db(-1.0) == pytest.approx(-7.91, abs=0.01)
    assert spreading_db(2.0) == pytest.approx(-12.33, abs=0.01)
    assert spreading_db(-2.0) == pytest.approx(-27.56, abs=0.01)


def vocal_and_guitar(rng, guitar_density_db: float):
    """A "vocal" of noise in 1–4 kHz and a "guitar" in 2–3 kHz, ``guitar_density_db`` above it per Hz."""
    vocal = band_noise(rng, 1000, 4000, 0.1)
    guitar = band_noise(rng, 2000, 3000, 0.1 * math.sqrt(10 ** (guitar_density_db / 10) / 3))
    return vocal, guitar


@pytest.mark.parametrize("guitar_density_db", [6.0, 3.0, 0.0])
def test_a_louder_guitar_gets_a_cut_where_it_covers_the_vocal(rng, guitar_density_db):
    vocal, guitar = vocal_and_guitar(rng, guitar_density_db)
    advice = masking(("vocal", vocal[None]), {"guitar": guitar[None]}, RATE)
    assert [t for t, _ in advice.suggestions] == ["guitar"]
    s = advice.suggestions[0][1]
    assert s.move.kind == "peak" and s.id.startswith("mask-guitar-")
    assert abs(math.log2(s.move.params["freq_hz"] / 2500)) <= 1 / 3
    assert -4.0 <= s.move.params["gain_db"] <= -2.0
    assert s.predicted["focus_to_masker_db"] - s.predicted["focus_to_masker_before_db"] > 1.0
    assert "guitar sits" in s.why and "vocal" in s.why and "presence" in s.why
    assert advice.leave_alone == ()


def test_the_cut_is_deeper_the_more_the_guitar_masks(rng):
    gains = []
    for density in (-3.0, 0.0, 3.0, 8.0):
        vocal, guitar = vocal_and_guitar(rng, density)
        (_, s), = masking(("vocal", vocal), {"guitar": guitar}, RATE).suggestions
        gains.append(s.move.params["gain_db"])
    assert gains == sorted(gains, reverse=True)  # −2.x … −4
    assert gains[-1] == -4.0 and gains[0] > -3.0


def test_the_predicted_clearance_matches_the_filtered_guitar(rng):
    vocal, guitar = vocal_and_guitar(rng, 4.0)
    (_, s), = masking(("vocal", vocal), {"guitar": guitar}, RATE).suggestions
    band = BARK_CENTRES_HZ.index(float(s.aspect.rsplit(":", 1)[1]))
    before = masking_margin_db(vocal, guitar, RATE)
    assert -before[band] == pytest.approx(s.predicted["focus_to_masker_before_db"], abs=0.01)
    y = guitar
    for b, a in biquad_coefficients(s.move, RATE):
        y = lfilter(b, a, y)
    after = masking_margin_db(vocal, y, RATE)
    assert -after[band] == pytest.approx(s.predicted["focus_to_masker_db"], abs=0.3)


def test_a_quiet_guitar_is_left_alone(rng):
    vocal, guitar = vocal_and_guitar(rng, -10.0)
    advice = masking(("vocal", vocal), {"guitar": guitar}, RATE)
    assert advice.suggestions == ()
    ((track, verdict),) = advice.leave_alone
    assert track == "vocal" and verdict.aspect == "masking" and "guitar" in verdict.why


def test_clean_separation_is_no_masking(rng):
    bass = band_noise(rng, 200, 500, 0.1)
    hats = band_noise(rng, 5000, 8000, 0.3)  # 10 dB louder, 4 octaves up
    advice = masking(("bass", bass), {"hats": hats}, RATE)
    assert advice.suggestions == ()
    assert [(t, k.aspect) for t, k in advice.leave_alone] == [("bass", "masking")]
    assert np.nanmax(masking_margin_db(bass, hats, RATE)[2:5]) < -40  # 200–510 Hz, where the bass plays


def test_broad_maskers_get_at_most_two_cuts_each_and_four_in_all(rng):
    vocal = band_noise(rng, 100, 8000, 0.1)
    others = {name: band_noise(rng, 100, 8000, rms) for name, rms in (("pad", 0.2), ("keys", 0.15), ("organ", 0.18))}
    advice = masking(("vocal", vocal), others, RATE)
    tracks_hit = [t for t, _ in advice.suggestions]
    assert len(tracks_hit) == 4
    assert max(tracks_hit.count(t) for t in set(tracks_hit)) == 2
    assert all(s.move.params["gain_db"] == -4.0 for _, s in advice.suggestions)
    ids = [s.id for _, s in advice.suggestions]
    assert len(set(ids)) == 4
    assert any("level or arrangement" in n for n in advice.notes)
    assert any("ranked lower" in n for n in advice.notes)
    alone = masking(("vocal", vocal), {"pad": others["pad"]}, RATE)  # 5 candidate cuts or more: 2 kept
    assert [t for t, _ in alone.suggestions] == ["pad", "pad"]
    assert any("ranked lower" in n for n in alone.notes)


def test_masking_counts_only_where_the_focus_plays(rng):
    """A guitar that plays only while the vocal rests does not mask it."""
    vocal, guitar = vocal_and_guitar(rng, 6.0)
    half = N // 2
    vocal[half:] = 0.0
    guitar[:half] = 0.0
    assert masking(("vocal", vocal), {"guitar": guitar}, RATE).suggestions == ()


def test_a_silent_focus_is_a_note():
    advice = masking(("vocal", np.zeros(N)), {"guitar": np.ones(N)}, RATE)
    assert advice.suggestions == () and "silent" in advice.notes[0]
