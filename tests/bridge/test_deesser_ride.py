"""Sibilance, riding and over-compressed material, on voices the tests make (espeak-ng) and
measured on real renders."""

from __future__ import annotations

import math

import numpy as np
import pedalboard as pb
import pytest

from analyzers import analyze
from analyzers.context import make_context
from analyzers.moves import Move, parse_move
from analyzers.riding import TARGET_SPREAD_DB, performance
from analyzers.sibilance import CENTRES_HZ, SibilanceMeter
from analyzers.suggest import suggest
from bridge.chain import BuiltinSlot, Chain
from bridge.render import deesser, render_move
from signals import drum_loop
from voices import RATE, phrases, speak, with_esses

CALM = "Good morning. I am reading a long calm line, on a warm and mellow night, without any trouble at all."
VOCAL = make_context(role_name="vocal")


@pytest.fixture(scope="module")
def calm() -> np.ndarray:
    return speak(CALM)


def _advice(x: np.ndarray, ctx=VOCAL):
    return suggest(analyze(x, RATE), ctx)


def _centre_levels(x: np.ndarray, centre_hz: float, half_width_oct: float = 1 / 24) -> np.ndarray:
    """Per 10 ms frame: the level (dB) of the 1/12-octave band(s) around ``centre_hz``."""
    m = SibilanceMeter(RATE, x.shape[0])
    m.process(x)
    fine = 10 ** (m.fine_db() / 10)
    near = np.abs(np.log2(CENTRES_HZ / centre_hz)) <= half_width_oct + 1e-9
    return 10 * np.log10(fine[:, near].sum(axis=1) + 1e-15), m.frame_step_s


@pytest.mark.parametrize("centre_hz", [5000.0, 7000.0, 9000.0])
def test_sibilant_voice_gets_a_deesser_at_its_centre(calm, centre_hz):
    x, times = with_esses(calm, np.random.default_rng(1), centre_hz=centre_hz, level_db=-2.0)
    adv = _advice(x)
    de = [s for s in adv.suggestions if s.move.kind == "deesser"]
    assert len(de) == 1, [s.id for s in adv.suggestions]
    p = de[0].move.params
    assert abs(math.log2(p["freq_hz"] / centre_hz)) <= 1 / 6
    sib = analyze(x, RATE).sibilance
    assert sib.between_centre_dbfs < p["threshold_db"] < sib.burst_centre_dbfs
    assert "sibilance" in de[0].why


def test_deesser_render_turns_bursts_down_by_its_range_and_leaves_the_rest(calm):
    x, times = with_esses(calm, np.random.default_rng(2), centre_hz=7000.0, level_db=-2.0, count=4)
    move = next(s.move for s in _advice(x).suggestions if s.move.kind == "deesser")
    y = render_move(x, RATE, move)
    p = move.params
    before, step = _centre_levels(x, p["freq_hz"])
    after, _ = _centre_levels(y, p["freq_hz"])
    t = (np.arange(before.size) + 1.0) * step
    inside = np.zeros(before.size, dtype=bool)
    near = np.zeros(before.size, dtype=bool)
    assert near.size and (np.abs(np.log2(CENTRES_HZ / p["freq_hz"])) <= 1 / 24).any()
    for a, b in times:
        inside |= (t > a + 0.03) & (t < b - 0.03)
    # non-sibilant: away from every burst the meter hears (ours and the voice's own esses)
    for a, b in list(times) + list(analyze(x, RATE).sibilance.burst_times_s):
        near |= (t > a - 0.1) & (t < b + 0.05 + p["release_ms"] * 5e-3)  # five time constants
    drop = np.median((before - after)[inside])
    # at the centre (one 1/12-octave band, part of it on the bell's slope) by the range
    assert p["range_db"] - 1.5 <= drop <= p["range_db"] + 0.5, (drop, p["range_db"])
    wide_before, _ = _centre_levels(x, p["freq_hz"], 0.5)
    wide_after, _ = _centre_levels(y, p["freq_hz"], 0.5)
    quiet = ~near & (wide_before > wide_before.max() - 60)
    assert quiet.sum() > 100
    change = np.abs(wide_before - wide_after)[quiet]
    # within 0.5 dB; a frame or two of the voice's own fricatives may just pass the threshold
    assert np.percentile(change, 99) <= 0.5 and change.max() <= 1.0, np.sort(change)[-5:]
    # where it does not act, the output is the input
    _, reduction = deesser(x, RATE, **dict(p))
    idle = reduction == 0.0
    assert idle.mean() > 0.2
    np.testing.assert_allclose(y[0, idle], x[0, idle], atol=1e-6)


def test_clean_voices_get_no_deesser(calm):
    natural, _ = with_esses(calm, np.random.default_rng(3), centre_hz=7000.0, level_db=-14.0)
    for x in (calm, natural):
        adv = _advice(x)
        assert not [s for s in adv.suggestions if s.move.kind == "deesser" or s.aspect == "sibilance"]
        assert any(k.aspect == "sibilance" and ("no de-esser" in k.why or "no esses" in k.why)
                   for k in adv.leave_alone)  # fmt: skip
        # one answer: no other move calls this voice sibilant
        assert not [s for s in adv.suggestions if "sibilant" in s.why or "(sibilance" in s.why]


def test_constant_7k_excess_gets_a_static_cut_not_a_deesser(calm):
    # esses of a natural level whose energy spreads over an octave, as a voice's do (half-octave
    # noise would be a 7 kHz peak of the esses' own, as tall as the EQ's: then the voice's other
    # sounds carry only half the esses' peak, 0.49, and the bell reads as sibilance that comes and goes)
    natural, _ = with_esses(calm, np.random.default_rng(4), centre_hz=7000.0, level_db=-14.0, octaves=1.0)
    assert not [s for s in _advice(natural).suggestions if s.move.kind == "deesser" or s.aspect == "sibilance"]
    bright = pb.PeakFilter(cutoff_frequency_hz=7000.0, gain_db=12.0, q=2.0)(natural, RATE)
    adv = _advice(bright)
    assert not [s for s in adv.suggestions if s.move.kind == "deesser"]
    cut = [s for s in adv.suggestions if s.aspect == "sibilance"]
    assert len(cut) == 1 and cut[0].move.kind == "peak" and cut[0].move["gain_db"] < 0
    assert abs(math.log2(cut[0].move["freq_hz"] / 7000.0)) <= 1 / 6
    assert "constant" in cut[0].why


def test_uneven_phrases_get_a_ride_that_evens_them():
    x = phrases([0.0, -6.0, 6.0, -6.0, 6.0, 0.0])
    a = analyze(x, RATE)
    before = performance(a)
    assert before.spread_db >= 10.0
    adv = suggest(a, VOCAL)
    ride = [s for s in adv.suggestions if s.move.kind == "ride"]
    assert len(ride) == 1 and "inconsistent performance" in ride[0].why
    y = render_move(x, RATE, ride[0].move)
    after = performance(analyze(y, RATE))
    assert after.spread_db <= TARGET_SPREAD_DB, after
    assert len(after.phrases) == len(before.phrases)
    # the compressor does not squash what the ride evens
    comp = [s for s in adv.suggestions if s.move.kind == "compressor"]
    assert not comp or "ride" in comp[0].why
    unridden = suggest(a, make_context(role_name="mix"))
    assert not [s for s in unridden.suggestions if s.move.kind == "ride"]


def test_steady_performance_gets_no_ride():
    adv = _advice(phrases([0.0, 0.5, -0.5, 0.0, 0.5]))
    assert not [s for s in adv.suggestions if s.move.kind == "ride"]
    assert any(k.aspect == "performance" for k in adv.leave_alone)


def test_ride_curve_round_trips_and_renders_sample_accurately(tmp_path):
    move = parse_move("ride curve=0.5:0,1.0:-6,2.0:-6,2.5:3")
    assert Move.from_dict(move.to_dict()) == move
    chain = Chain((BuiltinSlot(move),))
    assert Chain.from_dict(chain.to_dict()) == chain
    x = np.full((2, 3 * RATE), 0.1, dtype=np.float32)
    y = render_move(x, RATE, move)
    db = 20 * np.log10(y[0] / 0.1)
    assert abs(db[int(0.25 * RATE)]) < 1e-4
    assert abs(db[int(0.75 * RATE)] + 3.0) < 1e-3  # halfway down the first ramp
    assert abs(db[int(1.5 * RATE)] + 6.0) < 1e-4
    assert abs(db[int(2.8 * RATE)] - 3.0) < 1e-4
    with pytest.raises(Exception, match="increase"):
        Move("ride", {}, ((1.0, 0.0), (0.5, 1.0)))
    with pytest.raises(Exception, match="no curve"):
        Move("gain", {"gain_db": 1.0}, ((0.0, 1.0),))


def test_clipped_master_for_a_loud_destination_is_not_squashed_further():
    rng = np.random.default_rng(5)
    loop = drum_loop(rng, 12.0, RATE)
    x = np.clip(loop / np.abs(loop).max() * 1.6, -1.0, 1.0).astype(np.float32)  # the biggest hits clipped
    a = analyze(x, RATE)
    assert a.hygiene.clipped_samples > 0
    ctx = make_context(role_name="master", target="cd")
    need = ctx.destination.lufs - a.loudness.integrated_lufs
    assert a.levels.true_peak_dbtp + need - ctx.destination.ceiling_dbtp > 1.0  # reaching it needs limiting
    adv = suggest(a, ctx)
    assert not [s for s in adv.suggestions if s.move.kind in ("limiter", "compressor")]
    level = next(s for s in adv.suggestions if s.id == "loudness")
    assert level.move.kind == "gain" and "more than this material can take" in level.why
    assert "clipped" in level.why
    y = render_move(x, RATE, level.move)
    after = analyze(y, RATE)
    assert after.levels.true_peak_dbtp <= ctx.destination.ceiling_dbtp
    assert abs(after.levels.crest_db - a.levels.crest_db) < 0.05  # not squashed: only the level moved


def test_the_six_move_cap_never_drops_the_expander():
    from analyzers.suggest.engine import MAX_SUGGESTIONS, _keep_expander
    from analyzers.suggest.records import Suggestion

    def s(i, kind, params):
        return Suggestion(id=f"m{i}", move=Move(kind, params), why="", confidence=0.5, severity="low", aspect=f"a{i}")

    ranked = [s(i, "peak", {"freq_hz": 100.0 * (i + 1), "gain_db": -2.0}) for i in range(MAX_SUGGESTIONS + 1)]
    ranked.append(s(99, "expander", {"threshold_db": -30.0}))
    notes: list[str] = []
    out = _keep_expander(ranked, notes)
    assert [x.id for x in out[:MAX_SUGGESTIONS]][-1] == "m99"
    assert sorted(x.id for x in out) == sorted(x.id for x in ranked)  # nothing lost: the rest is listed lower
    assert notes and "expander" in notes[0] and f"m{MAX_SUGGESTIONS - 1}" in notes[0]
