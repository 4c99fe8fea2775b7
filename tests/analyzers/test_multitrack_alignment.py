"""Related microphones on synthetic stems (analyzers/suggest/alignment.py): lag, sign, and the
polarity and delay moves that align them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzers.errors import ParameterError
from analyzers.suggest.alignment import align, related_pairs
from tests.analyzers.stemtracks import RATE, N, by_track, kick_track, second_mic, shifted, tracks


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
