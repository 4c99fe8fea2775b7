"""The session behind the panel: decisions, the chain they make, audition and export.

Measured with our meters and, for the export, with ffmpeg's ebur128 as the second meter.
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzers import analyze
from analyzers.errors import ParameterError
from analyzers.moves import Move
from bridge.audio_io import read_audio
from bridge.chain import BuiltinSlot
from bridge.session import Session, SessionError, counts
from signals import ffmpeg_ebur128, pink_noise, require_executable, write_float_wav


@pytest.fixture(scope="module")
def demo() -> Session:
    s = Session.demo()
    s.set_context(genre_name="pop", target="spotify")
    return s


@pytest.fixture
def session(demo) -> Session:
    """A fresh copy of the measured demo (measuring once per module)."""
    s = Session(demo.audio, demo.sample_rate_hz, demo.source, context=demo.context, analysis=demo.analysis)
    s.suggest()
    return s


def test_the_cards_are_the_engines_suggestions_and_start_undecided(session):
    assert list(session.cards) == [s.id for s in session.advice.suggestions]
    assert {"loudness", "comp"} <= set(session.cards)  # −17.5 LUFS for Spotify; crest 15.7 dB for pop
    assert counts(session.cards) == {"pending": len(session.cards), "accepted": 0, "tweaked": 0, "rejected": 0}
    assert session.chosen() == [] and session.chain().slots == ()


def test_accept_tweak_reject_and_the_decision_log(session):
    log = []
    session.on_decision = log.append
    eq = next(sid for sid, c in session.cards.items() if c.suggestion.move.kind in ("peak", "low_shelf", "high_shelf"))
    proposed = session.cards[eq].suggestion.move
    session.accept(eq)
    assert session.cards[eq].status == "accepted" and session.chosen_moves() == [proposed]

    d = session.tweak(eq, gain_db=-1.5)
    assert session.cards[eq].status == "tweaked"
    assert session.chosen_moves()[0].params["gain_db"] == -1.5
    assert session.chosen_moves()[0].params["freq_hz"] == proposed.params["freq_hz"]
    assert d.final is not None and d.final["gain_db"] == -1.5 and d.proposed == dict(proposed.params)
    assert d.genre == "pop" and d.role == "mix" and d.rule_id  # the context the taste log keeps

    # setting the proposed value back is an accept, not a tweak
    session.tweak(eq, gain_db=proposed.params["gain_db"])
    assert session.cards[eq].status == "accepted"

    with pytest.raises(ParameterError, match="outside"):
        session.tweak(eq, gain_db=40.0)
    assert session.cards[eq].status == "accepted"  # a bad value changes nothing

    session.reject(eq)
    assert session.cards[eq].status == "rejected" and session.chosen() == []
    assert [x.verdict for x in log] == ["accepted", "tweaked", "accepted", "rejected"]
    assert log[-1].to_dict()["kind"] == proposed.kind

    session.reset(eq)
    assert session.cards[eq].status == "pending" and len(log) == 4  # undo is not a decision


def test_an_unknown_id_lists_the_known_ones(session):
    with pytest.raises(SessionError, match="no suggestion 'nope'.*loudness"):
        session.accept("nope")


def test_new_context_keeps_answers_to_the_same_suggestions(session):
    session.accept("loudness")
    session.reject("comp")
    session.set_context(genre_name="pop", target="spotify", intent="warmer")
    assert session.cards["loudness"].status == "accepted" and session.cards["comp"].status == "rejected"
    assert any(sid.startswith("warmer") for sid in session.cards)
    with pytest.raises(ParameterError, match="unknown"):
        session.set_context(intent="crunchier-than-ever")
    assert session.context.intent == "warmer"  # an error changes nothing


def test_the_chain_holds_the_chosen_whole_file_moves_in_render_order(session):
    session.accept("loudness")
    session.tweak("comp", ratio=2.0)
    kinds = [s.move.kind for s in session.chain().slots if isinstance(s, BuiltinSlot)]
    assert kinds == ["compressor", "limiter"]  # dynamics before the loudness limiter
    assert session.chain().slots[0].move.params["ratio"] == 2.0


def test_audition_is_loudness_matched_and_needs_a_decision(session):
    with pytest.raises(SessionError, match="nothing accepted"):
        session.audition()
    eq = next(sid for sid, c in session.cards.items() if c.suggestion.move.kind == "high_shelf")
    session.accept(eq)
    session.accept("loudness")
    r = session.audition((4.0, 16.0))
    assert r.a.shape == r.b.shape == (2, 12 * 48000)
    assert r.b_lufs - r.a_lufs == pytest.approx(3.5, abs=0.6)  # the limiter's +3.5 dB drive, minus what it holds
    assert abs(r.matched_a_lufs - r.matched_b_lufs) < 0.05
    # what B changed is the accepted shelf: the top octave falls by about its gain against A
    a_top = analyze(r.a, 48000).spectrum
    b_top = analyze(r.b, 48000).spectrum
    j = a_top.centres_hz.index(12500.0)
    shelf = session.cards[eq].suggestion.move.params["gain_db"]
    assert b_top.level_db[j] - a_top.level_db[j] == pytest.approx(shelf, abs=1.0)


@pytest.mark.ffmpeg
def test_export_renders_to_the_destination_as_ffmpeg_measures_it(session, tmp_path):
    ffmpeg = require_executable("ffmpeg")
    session.accept("loudness")
    out = session.export(tmp_path / "out.wav")
    theirs = ffmpeg_ebur128(ffmpeg, out)
    assert theirs["integrated_lufs"] == pytest.approx(-14.0, abs=0.3), theirs
    assert theirs["true_peak_dbtp"] <= -1.0 + 0.2, theirs
    y, rate = read_audio(out)
    assert rate == 48000 and y.shape == session.audio.shape


def test_export_refuses_nothing_accepted_and_the_source_itself(tmp_path, rng):
    src = tmp_path / "mix.wav"
    write_float_wav(src, pink_noise(rng, 3.0, 48000) * 0.3, 48000)
    s = Session.from_file(src)
    with pytest.raises(SessionError, match="nothing accepted"):
        s.export(tmp_path / "x.wav")
    s.cards = {}  # a hand-made card on the real file
    from analyzers.suggest import Suggestion
    from bridge.session import Card

    sug = Suggestion(id="g", move=Move("gain", {"gain_db": -3.0}), why="test", confidence=0.5, severity="low",
                     aspect="level")  # fmt: skip
    s.cards = {"g": Card(sug, "accepted")}
    before = src.read_bytes()
    with pytest.raises(SessionError, match="session's own audio"):
        s.export(src)
    assert src.read_bytes() == before


def test_silence_gives_a_leave_alone_session_not_an_error():
    s = Session(np.zeros((2, 48000 * 2), dtype=np.float32), 48000.0, "silence")
    s.measure()
    assert s.cards == {} and s.advice.leave_alone[0].aspect == "everything"


def test_taste_nudges_confidence_from_past_decisions(demo):
    """Five rejected compressors on mixes lower the compressor's confidence (presets.taste
    writes the log; analyzers.suggest.taste does the arithmetic)."""
    from presets.taste import Decision, summarize

    comp = next(x for x in demo.advice.suggestions if x.move.kind == "compressor")
    past = [Decision.of(comp, "rejected", context=demo.context) for _ in range(5)]
    s = Session(demo.audio, demo.sample_rate_hz, demo.source, context=demo.context, analysis=demo.analysis,
                taste=summarize(past))  # fmt: skip
    s.suggest()
    assert s.cards[comp.id].suggestion.confidence < comp.confidence - 0.05
    assert any(n.startswith("taste: comp") for n in s.advice.notes)


def test_the_ab_hears_the_loudness_the_render_settles(session):
    """B is driven as the render drives it: the loudness move measured after the other
    accepted moves over the whole file, so B reads the destination (Spotify's −14 LUFS), not
    the drive guessed from the untouched mix (a compressor or a cut before the limiter took
    some of it back: −15.1 LUFS on a corpus song before)."""
    dynamics = [sid for sid, c in session.cards.items() if c.suggestion.move.kind in ("compressor", "high_shelf", "peak")]
    assert dynamics, "the demo in pop for Spotify gets a move before the loudness one"
    for sid in dynamics:
        session.accept(sid)
    session.accept("loudness")
    r = session.audition()  # the whole file
    rendered, _ = session.render()
    got = analyze(rendered, 48000).loudness.integrated_lufs
    assert got == pytest.approx(-14.0, abs=0.15)
    assert r.b_lufs == pytest.approx(got, abs=0.15)
