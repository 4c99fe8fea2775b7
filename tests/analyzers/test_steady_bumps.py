"""Steady bumps (analyzers/steady.py): a fixed bell survives in every frame of a voice; the
voice's own formants, which move with the vowels, do not. Voices are espeak-ng's, bells
pedalboard's ``PeakFilter`` (an implementation independent of ours)."""

from __future__ import annotations

import math

import numpy as np
import pedalboard as pb
from voices import speak

from analyzers import analyze
from analyzers.context import make_context
from analyzers.steady import MAX_FRAMES, SteadyMeter
from analyzers.suggest import suggest
from analyzers.suggest.common import hz
from analyzers.suggest.corrective import STEADY_BUMP_DB, protected_hz

RATE = 48000
TEXT = ("the quick brown fox jumps over the lazy dog while seven bright owls sing across a "
        "quiet valley, and nobody knows how far the morning river runs")  # fmt: skip


def _voice() -> np.ndarray:
    return speak(TEXT)


def _bell(x: np.ndarray, freq_hz: float, gain_db: float, q: float) -> np.ndarray:
    return pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=freq_hz, gain_db=gain_db, q=q)])(x, RATE)


def _steady_at(analysis, freq_hz: float) -> float:
    st = analysis.steady
    f = np.array(st.centres_hz)
    near = np.abs(np.log2(f / freq_hz)) <= 1 / 12
    return float(np.max(np.array(st.gain_db)[near]))


def _cuts(advice):
    return [s for s in advice.suggestions if s.move.kind == "peak" and s.move.params["gain_db"] < 0]


def test_a_fixed_bell_on_a_voice_reads_its_gain_in_every_frame_and_the_voice_alone_does_not():
    clean = analyze(_voice(), RATE)
    bumped = analyze(_bell(_voice(), 700.0, 8.0, 2.0), RATE)
    before, after = _steady_at(clean, 700.0), _steady_at(bumped, 700.0)
    # the fit is linear in the spectrum (dB): a fixed bell adds about its gain to every frame
    assert 6.0 <= after - before <= 9.0, (before, after)
    # above the voice's own register (its fundamentals, where corrective.protected_hz looks away)
    assert not clean.steady.peaks(STEADY_BUMP_DB, (360.0, 12000.0)), clean.steady.peaks(STEADY_BUMP_DB, (360.0, 12000.0))


def test_a_steady_bell_on_a_voice_is_cut_near_its_centre_and_the_clean_voice_gets_no_cut():
    ctx = make_context(role_name="vocal")
    clean = suggest(analyze(_voice(), RATE), ctx)
    assert not _cuts(clean), [s.why for s in _cuts(clean)]
    why = next(k.why for k in clean.leave_alone if k.aspect == "resonances")
    assert "three moments in four" in why
    most = float(why.split("the most, ")[1].split(" dB")[0])  # the figure it gives is under the bar
    assert most < STEADY_BUMP_DB, why
    # the range it names is the one searched: from the top of the voice's register, which it names too
    lo_hz, hi_hz = protected_hz(ctx)
    assert why.startswith(f"no bell between {hz(hi_hz)} and "), why
    assert why.endswith(f"a vocal's own register ({hz(lo_hz)}–{hz(hi_hz)}) is not searched"), why
    for freq_hz in (700.0,):
        advice = suggest(analyze(_bell(_voice(), freq_hz, 8.0, 2.0), RATE), ctx)
        cuts = [s for s in _cuts(advice) if abs(math.log2(s.move.params["freq_hz"] / freq_hz)) <= 1 / 6]
        assert cuts, (freq_hz, [s.why for s in advice.suggestions])
        assert "three moments in four" in cuts[0].why


def test_on_an_instrument_the_frames_do_not_decide():
    # an instrument's resonances are fixed: the figure is measured but not used for a cut
    x = _bell(_voice(), 700.0, 8.0, 2.0)
    advice = suggest(analyze(x, RATE), make_context(role_name="guitar"))
    assert all("three moments in four" not in s.why for s in advice.suggestions)


def test_memory_stays_bounded_and_frames_stay_evenly_spread():
    meter = SteadyMeter(RATE, 1)
    rng = np.random.default_rng(1)
    block = (0.1 * rng.standard_normal((1, RATE * 10))).astype(np.float32)
    hop_s = meter.hop / RATE
    n_blocks = int(math.ceil(MAX_FRAMES * 1.6 * hop_s / 10))
    for _ in range(n_blocks):
        meter.process(block)
    assert len(meter._gains) < MAX_FRAMES
    assert meter._stride == 2
    res = meter.finish()
    assert res is not None and res.frames >= MAX_FRAMES // 2
    # white noise has no bell: every centre's quartile sits near 0 dB (a flat line fits it)
    assert max(abs(g) for g in res.gain_db) < 3.0


def test_too_little_audio_gives_no_figure():
    meter = SteadyMeter(RATE, 2)
    meter.process(np.zeros((2, RATE), dtype=np.float32))
    assert meter.finish() is None
