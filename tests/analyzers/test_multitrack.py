"""Cross-track suggestions on synthetic stems: related microphones (polarity, delay) and masking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import lfilter

from analyzers.eq_response import biquad_coefficients
from analyzers.errors import ParameterError
from analyzers.suggest.multitrack import (
    BARK_CENTRES_HZ,
    align,
    cross_track_advice,
    masking,
    masking_margin_db,
    related_pairs,
    spreading_db,
)

RATE = 48000
SECONDS = 4.0
N = int(RATE * SECONDS)


def kick_track(rng: np.random.Generator, n: int = N) -> np.ndarray:
    """A kick drum every 0.5 s: a 120 → 50 Hz sweep with a noise click, random hit levels."""
    x = np.zeros(n)
    t = np.arange(int(0.3 * RATE)) / RATE
    hit = np.sin(2 * np.pi * np.cumsum(50 + 70 * np.exp(-t / 0.03)) / RATE) * np.exp(-t / 0.12)
    click = int(0.004 * RATE)
    hit[:click] += 0.5 * rng.standard_normal(click) * np.exp(-np.arange(click) / (0.001 * RATE))
    for start in range(0, n - hit.size, RATE // 2):
        x[start : start + hit.size] += hit * rng.uniform(0.6, 1.0)
    return 0.5 * x


def shifted(x: np.ndarray, lag: int) -> np.ndarray:
    """``x`` arriving ``lag`` samples later (earlier when negative), same length."""
    if lag >= 0:
        return np.concatenate([np.zeros(lag), x[: x.size - lag]])
    return np.concatenate([x[-lag:], np.zeros(-lag)])


def second_mic(rng, x: np.ndarray, *, lag: int, invert: bool, gain_db: float = 0.0) -> np.ndarray:
    """The same source at another microphone: shifted, maybe inverted, plus its own noise 20 dB down."""
    y = (-1.0 if invert else 1.0) * 10 ** (gain_db / 20) * shifted(x, lag)
    return y + 0.1 * math.sqrt(np.mean(y * y)) * rng.standard_normal(x.size)


def band_noise(rng, lo_hz: float, hi_hz: float, rms: float, n: int = N) -> np.ndarray:
    """White noise band-limited to lo…hi Hz (brick wall), at ``rms``."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spec[(f < lo_hz) | (f > hi_hz)] = 0
    x = np.fft.irfft(spec, n)
    return x * rms / math.sqrt(np.mean(x * x))


def tracks(**signals) -> dict:
    return {k: (v[None, :].astype(np.float32), RATE) for k, v in signals.items()}


def by_track(advice) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for t, s in advice.suggestions:
        out.setdefault(t, {})[s.move.kind] = s
    return out


# --------------------------------------------------------------------------- align


@pytest.mark.parametrize("lag, invert", [(37, True), (-23, False), (0, True), (150, False)])
def test_align_finds_the_lag_and_the_sign(rng, lag, invert):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=lag, invert=invert)
    al = align(a, b, RATE)
    assert al.lag_samples == pytest.approx(lag, abs=1)
    assert al.sign == (-1 if invert else 1)
    assert abs(al.correlation) > 0.98  # noise 20 dB down: 1/√1.01 = 0.995
    assert al.lag_ms == pytest.approx(1000 * lag / RATE, abs=0.03)
    assert not al.at_edge


def test_align_accepts_stereo_and_different_lengths(rng):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=37, invert=True)[: N - 5000]
    al = align(np.stack([a, a]), b[None, :], RATE)
    assert al.lag_samples == 37 and al.sign == -1


def test_align_of_silence_is_no_correlation():
    al = align(np.zeros(1000), np.ones(1000), RATE)
    assert al.correlation == 0.0 and al.sign == 0


def test_a_lag_outside_the_search_range_is_not_found(rng):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=int(0.030 * RATE), invert=False)  # 30 ms, beyond ±20 ms
    al = align(a, b, RATE)
    assert abs(al.lag_samples) <= 960
    assert al.lag_samples != 1440
    advice = related_pairs(tracks(near=a, far=b))
    assert advice.suggestions == () and advice.pairs == ()


# --------------------------------------------------------------------------- related pairs


def test_kick_in_out_gets_a_flip_on_the_out_mic_and_a_delay_on_the_in_mic(rng):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=37, invert=True)
    advice = related_pairs(tracks(kick_in=a, kick_out=b))
    moves = by_track(advice)
    assert set(moves) == {"kick_in", "kick_out"}
    assert set(moves["kick_out"]) == {"polarity"}
    assert set(moves["kick_in"]) == {"delay"}
    flip, delay = moves["kick_out"]["polarity"], moves["kick_in"]["delay"]
    assert flip.id == "polarity-kick-out" and delay.id == "delay-kick-in"
    assert flip.move.params["channel"] == -1
    assert delay.move.params["delay_samples"] == pytest.approx(37, abs=1)
    assert "−0.99" in flip.why or "−1.00" in flip.why  # cites the correlation
    assert "37 samples" in delay.why and "0.77 ms" in delay.why
    # the prediction, checked against the sum of the tracks with both moves applied here
    before = a + b
    after = shifted(a, int(delay.move.params["delay_samples"])) - b
    gain = 10 * math.log10(np.mean(after**2) / np.mean(before**2))
    assert flip.predicted["sum_gain_db"] == pytest.approx(gain, abs=0.05)
    assert gain > 10.0  # inverted and 0.77 ms apart, a kick's lows nearly cancel
    assert flip.predicted["correlation_before"] < -0.8
    assert flip.predicted["correlation_after"] > 0.98
    # the delay alone makes things worse, and says so
    assert delay.predicted["sum_gain_alone_db"] < 0 and "accept both" in delay.why
    assert flip.severity == "high" and 0.8 <= flip.confidence <= 1.0
    assert [p.alignment.lag_samples for p in advice.pairs] == [pytest.approx(37, abs=1)]


@pytest.mark.parametrize(
    "lag, invert, gain_db, flip_on, delay_on, delay",
    [
        (37, True, 0.0, "kick_out", "kick_in", 37),  # the out mic later and inverted
        (37, False, -6.0, None, "kick_in", 37),  # in polarity, later: a delay only
        (-23, False, 0.0, None, "kick_out", 23),  # the second mic is the earlier one
        (0, True, -6.0, "kick_out", None, 0),  # together, inverted: flip the quieter
        (0, True, 6.0, "kick_in", None, 0),  # … which here is the first
    ],
)
def test_which_track_gets_which_move(rng, lag, invert, gain_db, flip_on, delay_on, delay):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=lag, invert=invert, gain_db=gain_db)
    moves = by_track(related_pairs(tracks(kick_in=a, kick_out=b)))
    flips = [t for t, m in moves.items() if "polarity" in m]
    delays = [t for t, m in moves.items() if "delay" in m]
    assert flips == ([flip_on] if flip_on else [])
    assert delays == ([delay_on] if delay_on else [])
    if delay_on:
        assert moves[delay_on]["delay"].move.params["delay_samples"] == pytest.approx(delay, abs=1)
    for m in moves.values():
        for s in m.values():
            assert s.predicted["correlation_after"] > 0.98
            # a flip on inverted kicks gains ~9–14 dB; a delay alone, a kick's lows already nearly in phase, ~0.1 dB
            assert s.predicted["sum_gain_db"] > (5.0 if flip_on else 0.02)
            if not flip_on:
                notch = RATE / (2 * delay)  # 649 Hz for 37 samples, 1.04 kHz for 23
                label = f"{notch / 1000:.3g} kHz" if notch >= 1000 else f"{notch:.0f} Hz"
                assert f"({label} notch" in s.why and s.severity == "low"


def test_aligned_and_in_polarity_is_left_alone(rng):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=1, invert=False, gain_db=-3.0)
    advice = related_pairs(tracks(snare_top=a, snare_bottom=b))
    assert advice.suggestions == ()
    assert len(advice.pairs) == 1
    assert sorted(t for t, _ in advice.leave_alone) == ["snare_bottom", "snare_top"]
    r = advice.pairs[0].alignment.correlation
    assert r > 0.98
    assert all(k.aspect == "phase_alignment" and f"{r:+.2f} at a lag of 1 sample;" in k.why
               for _, k in advice.leave_alone)


def test_unrelated_noise_tracks_are_no_pair(rng):
    x = {f"n{i}": rng.standard_normal(N) * 0.1 for i in range(3)}
    advice = related_pairs(tracks(**x))
    assert advice.pairs == () and advice.suggestions == () and advice.leave_alone == ()
    assert abs(align(x["n0"], x["n1"], RATE).correlation) < 0.05


def test_three_related_mics_are_solved_as_one_group(rng):
    """kick in (first), kick out (inverted, 37 later), sub kick (60 later): one move of each kind at most."""
    a = kick_track(rng)
    b = second_mic(rng, a, lag=37, invert=True)
    c = second_mic(rng, a, lag=60, invert=False, gain_db=-2.0)
    advice = related_pairs(tracks(kick_in=a, kick_out=b, sub=c))
    assert len(advice.pairs) == 3
    moves = by_track(advice)
    assert moves["kick_in"]["delay"].move.params["delay_samples"] == pytest.approx(60, abs=1)
    assert moves["kick_out"]["delay"].move.params["delay_samples"] == pytest.approx(23, abs=1)
    assert set(moves["kick_out"]) == {"polarity", "delay"}
    assert "sub" not in moves
    # every move applied: all three in polarity and together
    def moved(x, name):
        m = moves.get(name, {})
        y = -x if "polarity" in m else x
        return shifted(y, int(m["delay"].move.params["delay_samples"])) if "delay" in m else y

    out = {k: moved(x, k) for k, x in (("kick_in", a), ("kick_out", b), ("sub", c))}
    for p, q in (("kick_in", "kick_out"), ("kick_in", "sub"), ("kick_out", "sub")):
        r = np.dot(out[p], out[q]) / math.sqrt(np.dot(out[p], out[p]) * np.dot(out[q], out[q]))
        assert r > 0.95, (p, q, r)
    ids = [s.id for _, s in advice.suggestions]
    assert len(ids) == len(set(ids))


def test_a_sustained_low_note_is_ambiguous_and_says_so(rng):
    """A pure 55 Hz bass: inverted at 37 samples looks the same as in polarity half a period away."""
    t = np.arange(N) / RATE
    di = 0.3 * np.sin(2 * np.pi * 55 * t)
    amp = second_mic(rng, di, lag=37, invert=True)
    al = align(di, amp, RATE)
    assert al.ambiguous and abs(al.rival_correlation) > 0.95
    assert abs(abs(al.rival_lag_samples - al.lag_samples) - RATE / 110) < 2  # half a period apart
    advice = related_pairs(tracks(bass_di=di, bass_amp=amp))
    assert advice.suggestions
    for _, s in advice.suggestions:
        assert "ambiguous" in s.why and s.confidence <= 0.65


def test_different_rates_are_refused(rng):
    x = rng.standard_normal(1000)
    with pytest.raises(ParameterError, match="sample rates differ"):
        related_pairs({"a": (x[None], 48000), "b": (x[None], 44100)})


# --------------------------------------------------------------------------- masking


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


def test_a_related_mic_of_the_focus_is_not_a_masker(rng):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=37, invert=True)
    advice = cross_track_advice(tracks(kick_in=a, kick_out=b), focus="kick_in")
    assert not any(s.move.kind == "peak" for _, s in advice.suggestions)
    assert any("same source" in n for n in advice.notes)
    with pytest.raises(ParameterError, match="focus"):
        cross_track_advice(tracks(kick_in=a, kick_out=b), focus="vocal")
